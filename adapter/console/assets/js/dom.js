// Building DOM nodes without HTML strings: every value from the server or a
// device (names, labels, aliases, error messages) goes in as a text node or
// an attribute through the DOM API, so it can never become markup. There
// is no innerHTML anywhere in the console.

// h(tag, props, ...children) creates an element. props keys:
//   class, id, type, value, ... -> attributes (false/null/undefined skip)
//   on: {event: handler}        -> listeners
//   data: {key: value}          -> data-* attributes (tests select on them)
// children: nodes, strings (as text), arrays, or null (skipped).
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k === 'on') {
      for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    } else if (k === 'data') {
      for (const [dk, dv] of Object.entries(v)) el.dataset[dk] = String(dv);
    } else if (k === 'value') {
      el.value = v;
    } else if (k === 'checked' || k === 'disabled' || k === 'selected') {
      el[k] = Boolean(v);
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

// mount replaces the children of el.
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// text sets an element's text (never markup).
export function text(el, s) {
  el.textContent = s === null || s === undefined ? '' : String(s);
}

// field wraps a control in a labelled row.
export function field(label, control, hint) {
  return h('label', { class: 'field' },
    h('span', { class: 'label' }, label), control,
    hint ? h('span', { class: 'hint' }, hint) : null);
}

// notice shows a message in a status element: kind is 'error', 'ok' or ''.
export function notice(el, kind, msg) {
  el.className = 'notice' + (kind ? ' ' + kind : '');
  text(el, msg);
  el.hidden = !msg;
}

// fmtTime shows an RFC 3339 time or unix seconds in the local zone.
export function fmtTime(t) {
  if (t === null || t === undefined || t === '' || t === 0) return '—';
  const d = typeof t === 'number' ? new Date(t * 1000) : new Date(t);
  return isNaN(d) ? String(t) : d.toLocaleString();
}
