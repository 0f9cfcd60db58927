// Reading a Gizwits product definition (GET /app/datapoint) into what the
// controls need. Values are in their shown form throughout, the form the
// app API and the socket use: bool, enum label, number = ratio × raw +
// addition, binary as bytes (written back as a hex string).

const ACCESS = {
  status_writable: 'writable',
  status_readonly: 'readonly',
  alert: 'alert',
  fault: 'fault',
};

// fields returns one descriptor per datapoint, in definition order:
// {name, label, desc, kind: 'bool'|'enum'|'number'|'binary', access,
//  labels (enum), min, max, step (number, shown), bytes (binary)}.
export function fields(product) {
  const entity = (product.entities || [])[0] || {};
  return (entity.attrs || []).map((a) => {
    const f = {
      name: String(a.name),
      label: String(a.display_name || a.name),
      desc: a.desc ? String(a.desc) : '',
      access: ACCESS[a.type] || String(a.type),
    };
    const t = String(a.data_type);
    if (t === 'bool') {
      f.kind = 'bool';
    } else if (t === 'enum') {
      f.kind = 'enum';
      f.labels = (a.enum || []).map(String);
    } else if (t.startsWith('uint')) {
      const s = a.uint_spec || {};
      const ratio = Number(s.ratio) || 1;
      const add = Number(s.addition) || 0;
      f.kind = 'number';
      f.step = ratio;
      f.decimals = decimals(ratio, add);
      f.min = round(Number(s.min || 0) * ratio + add, f.decimals);
      f.max = round(Number(s.max || 0) * ratio + add, f.decimals);
    } else if (t === 'binary') {
      f.kind = 'binary';
      f.bytes = Number((a.position || {}).len) || 0;
    } else {
      f.kind = 'unknown';
    }
    return f;
  });
}

function decimals(...xs) {
  let d = 0;
  for (const x of xs) {
    const s = String(x);
    const i = s.indexOf('.');
    if (i >= 0) d = Math.max(d, s.length - i - 1);
  }
  return Math.min(d, 10);
}

export function round(x, d) {
  const p = 10 ** d;
  return Math.round(x * p) / p;
}

// show renders a shown value as text for the "reported" column.
export function show(f, v) {
  if (v === undefined || v === null) return '—';
  if (f.kind === 'binary' && Array.isArray(v)) return toHex(v) || '(empty)';
  return String(v);
}

export function toHex(bytes) {
  return Array.from(bytes, (b) => Number(b).toString(16).padStart(2, '0')).join('');
}

// parseHex reads "0a ff 10" or "0aff10" into bytes; null when invalid.
export function parseHex(s) {
  const clean = String(s).replace(/[\s,:]/g, '').replace(/^0x/i, '');
  if (clean.length % 2 !== 0 || /[^0-9a-f]/i.test(clean)) return null;
  const out = [];
  for (let i = 0; i < clean.length; i += 2) out.push(parseInt(clean.slice(i, i + 2), 16));
  return out;
}
