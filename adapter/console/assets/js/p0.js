// Just enough of the P0 frame format (docs/protocol-gizwits.md) to label
// frames in the log and to build the two frames the console offers as
// presets. Datapoint payloads are not encoded here: writes from the
// controls go as c2s_write and the server encodes them with the one codec
// (codec/datapoint), so the console cannot disagree with it.

const CMDS = { 0x90: 'app→dev', 0x91: 'dev→app', 0x93: 'with sn', 0x94: 'reply/ack' };

// describe returns a short label for a frame: its command and action byte.
export function describe(bytes) {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== 0 || bytes[3] !== 3) {
    return 'not a P0 frame';
  }
  let i = 4;
  let len = 0;
  let mul = 1;
  for (; i < Math.min(bytes.length, 8); i++) {
    len += (bytes[i] & 0x7f) * mul;
    mul *= 128;
    if ((bytes[i] & 0x80) === 0) break;
  }
  const at = i + 1 + 1; // varLen, then flag
  const cmd = (bytes[at] << 8) | bytes[at + 1];
  let p = at + 2;
  if (cmd === 0x93 || cmd === 0x94) p += 4;
  const action = p < bytes.length ? ' action 0x' + bytes[p].toString(16).padStart(2, '0') : ' (empty)';
  const name = CMDS[cmd] ? ' ' + CMDS[cmd] : '';
  return `0x${cmd.toString(16).padStart(4, '0')}${name}${action}, ${len} B`;
}

// frame builds 00 00 00 03 | len | flag 00 | cmd | payload for short
// payloads (length under 128).
export function frame(cmd, payload) {
  const len = 1 + 2 + payload.length;
  return [0, 0, 0, 3, len, 0, (cmd >> 8) & 0xff, cmd & 0xff, ...payload];
}

// readAll is the fixed-length read (0x0090, action 0x02): the device
// answers with its whole status.
export const readAll = () => frame(0x0090, [0x02]);

// readAllVarLen is the var_len read (action 0x12) flagging every one of n
// datapoints: a big-endian bitmap whose bit 0 is the last byte's lowest.
export function readAllVarLen(n) {
  const flags = new Array(Math.ceil(n / 8)).fill(0);
  for (let bit = 0; bit < n; bit++) flags[flags.length - 1 - (bit >> 3)] |= 1 << (bit & 7);
  return frame(0x0090, [0x12, ...flags]);
}

// spaced formats bytes as "00 00 00 03 ...".
export function spaced(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}
