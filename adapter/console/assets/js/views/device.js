// One device: controls generated from its product schema, values kept live
// by s2c_noti, Read (c2s_read) and per-control writes (c2s_write) over the
// user's attrs_v4 socket, and a log of P0 frames both ways.
//
// The log has its own socket logged in with p0_type "custom": on such a
// session the server delivers every frame of the device unchanged as
// s2c_raw (reports, read replies, acks), so the log shows the bytes the
// device sent, not a re-encoding. Frames typed into the raw box go out as
// c2s_raw and are logged as sent. Control writes and reads are logged as
// the c2s_write / c2s_read commands the server encodes (codec/datapoint).

import { h, mount, notice, text, fmtTime } from '../dom.js';
import { giz, tokenExpired } from '../api.js';
import * as live from '../live.js';
import * as session from '../session.js';
import { GizSocket } from '../socket.js';
import { fields, parseHex } from '../schema.js';
import { row } from '../controls.js';
import { describe, spaced, readAll, readAllVarLen } from '../p0.js';
import { onlineBadge, setBadge } from './devices.js';

const LOG_MAX = 200;

export function deviceView(main, did, ctx) {
  const title = h('h1', {}, did);
  const badge = onlineBadge(live.online.get(did) === true);
  badge.id = 'device-state';
  const status = h('p', { id: 'device-status', class: 'notice', role: 'status', hidden: true });
  const dps = h('div', { class: 'dps', id: 'datapoints' }, h('p', { class: 'muted' }, 'Loading the product schema…'));
  const log = h('ol', { class: 'log', id: 'raw-log' });
  const rows = new Map(); // name -> row
  let product = null;
  let nFields = 0;

  function addLog(dir, main, detail) {
    const at = new Date().toLocaleTimeString();
    log.prepend(h('li', { class: dir, data: { dir } },
      h('span', { class: 'when' }, at),
      h('span', { class: 'dir' }, dir === 'in' ? '← device' : dir === 'out' ? '→ device' : dir === 'cmd' ? '→ cmd' : '! error'),
      h('code', { class: 'bytes' }, main),
      detail ? h('span', { class: 'what' }, detail) : null));
    while (log.children.length > LOG_MAX) log.lastChild.remove();
  }

  function apply(a) {
    for (const [name, v] of Object.entries(a || {})) {
      const r = rows.get(name);
      if (r) r.report(v);
    }
  }

  function write(values) {
    live.write(did, values);
    addLog('cmd', 'c2s_write ' + JSON.stringify(values));
  }

  async function load() {
    try {
      const d = await giz.device(did);
      text(title, d.dev_alias || d.product_name || d.did);
      if (!live.online.has(did)) setBadge(badge, Boolean(d.is_online));
      const def = await giz.datapoints(d.product_key);
      product = def;
      const fs = fields(def);
      nFields = fs.length;
      rows.clear();
      mount(dps, fs.map((f) => {
        const r = row(f, write);
        rows.set(f.name, r);
        return r.el;
      }));
      const latest = await giz.latest(did);
      live.mergeAttrs(did, latest.attr || {});
      apply(live.attrs.get(did));
      text(updated, latest.updated_at ? 'state of ' + fmtTime(latest.updated_at) : 'no report yet');
    } catch (e) {
      if (tokenExpired(e)) return ctx.logout();
      notice(status, 'error', e.message);
    }
  }

  const updated = h('span', { class: 'muted small' });
  const rawBox = h('input', { id: 'raw-input', class: 'hex wide', spellcheck: 'false', placeholder: '00 00 00 03 04 00 00 90 02' });
  const u = session.user();
  const rawSock = new GizSocket({
    appid: u.appid, uid: u.uid, token: u.token, p0Type: 'custom', autoSubscribe: false, dids: [did],
    onState(s) { rawState.dataset.state = s; text(rawState, 'raw socket ' + s); },
    onMessage(cmd, msg) {
      const d = msg.data || {};
      if (cmd === 's2c_raw' && d.did === did) addLog('in', spaced(d.raw || []), describe(d.raw || []));
      if (cmd === 'subscribe_res' && (d.success || []).some((x) => x.did === did)) {
        rawState.dataset.state = 'subscribed'; // frames of the device flow from here on
        text(rawState, 'raw socket subscribed');
      }
      if (cmd === 's2c_invalid_msg') addLog('err', `${d.error_code} ${d.msg || ''}`);
    },
  });
  const rawState = h('span', { class: 'muted small', id: 'raw-state' });

  function sendRaw() {
    const bytes = parseHex(rawBox.value);
    if (!bytes || bytes.length < 8) {
      addLog('err', 'not a hex P0 frame', 'at least 8 bytes: 00 00 00 03 len flag cmd…');
      return;
    }
    rawSock.send('c2s_raw', { did, raw: bytes });
    addLog('out', spaced(bytes), describe(bytes));
  }
  function preset() {
    const varLen = product && product.protocolType === 'var_len';
    rawBox.value = spaced(varLen ? readAllVarLen(nFields) : readAll());
  }

  async function unbind() {
    if (!confirm('Unbind this device from your account?')) return;
    try {
      await giz.unbind(did);
      ctx.go('#/devices');
    } catch (e) {
      notice(status, 'error', 'Unbind failed: ' + e.message);
    }
  }

  mount(main,
    h('p', {}, h('a', { href: '#/devices' }, '← All devices')),
    h('section', { class: 'card' },
      h('div', { class: 'card-head' }, title, badge,
        h('span', { class: 'spacer' }),
        h('button', { type: 'button', id: 'read', on: { click: () => { live.read(did); addLog('cmd', 'c2s_read (all datapoints)'); } } }, 'Read'),
        h('button', { type: 'button', class: 'secondary', id: 'unbind', on: { click: unbind } }, 'Unbind')),
      h('p', { class: 'muted small' }, h('code', {}, did), ' · ', updated),
      status,
      h('div', { class: 'dp-head' }, h('span', {}, 'Datapoint'), h('span', {}, 'Control'), h('span', {}, 'Reported')),
      dps),
    h('section', { class: 'card' },
      h('div', { class: 'card-head' }, h('h2', {}, 'P0 frames'), rawState, h('span', { class: 'spacer' }),
        h('button', { type: 'button', class: 'secondary small', on: { click: () => log.replaceChildren() } }, 'Clear')),
      h('div', { class: 'row' }, rawBox,
        h('button', { type: 'button', class: 'secondary small', id: 'raw-preset', on: { click: preset } }, 'Read frame'),
        h('button', { type: 'button', id: 'raw-send', on: { click: sendRaw } }, 'Send raw')),
      log));
  rawBox.addEventListener('keydown', (e) => { if (e.key === 'Enter') sendRaw(); });

  const stop = live.listen((ev) => {
    if (ev.did !== did) return;
    if (ev.type === 'online') setBadge(badge, ev.online);
    if (ev.type === 'attrs') {
      apply(ev.attrs);
      text(updated, 'last report ' + new Date().toLocaleTimeString());
    }
    if (ev.type === 'invalid') {
      notice(status, 'error', `Refused (${ev.code}): ${ev.msg}`);
      addLog('err', `${ev.code} ${ev.msg || ''}`);
    }
    if (ev.type === 'binding' && !ev.bind) ctx.go('#/devices');
  });
  rawSock.connect();
  load();
  return () => { stop(); rawSock.close(); };
}
