// One control per datapoint, generated from the product schema:
//   bool    -> a switch (writes on change)
//   enum    -> a select of its labels (writes on change)
//   number  -> a slider and a number box within min..max in steps of the
//              ratio, with a Write button (or Enter)
//   binary  -> a hex box of at most its length, with a Write button
// Read-only, alert and fault points show their value only. Every row also
// shows the last reported value, which only the device changes.

import { h, text } from './dom.js';
import { show, toHex, parseHex, round } from './schema.js';

// row(f, write) returns {el, report(value)}; write(attrs) sends a write and
// may throw a message for input the schema refuses.
export function row(f, write) {
  const reported = h('span', { class: 'reported', data: { reported: f.name } }, '—');
  const problem = h('span', { class: 'problem', role: 'alert', hidden: true });
  const send = (value) => {
    problem.hidden = true;
    try {
      write({ [f.name]: value });
    } catch (e) {
      text(problem, e.message);
      problem.hidden = false;
    }
  };
  const c = f.access === 'writable' ? control(f, send) : { el: null, set() {} };
  const el = h('div', { class: 'dp ' + f.access, data: { dp: f.name } },
    h('div', { class: 'dp-name' },
      h('span', { class: 'dp-label' }, f.label),
      h('code', {}, f.name),
      f.access !== 'writable' ? h('span', { class: 'tag ' + f.access }, f.access) : null),
    h('div', { class: 'dp-control' }, c.el, problem),
    h('div', { class: 'dp-value' }, reported));
  if (f.desc) el.title = f.desc;
  return {
    el,
    report(v) {
      text(reported, show(f, v));
      reported.classList.remove('flash');
      void reported.offsetWidth; // restart the highlight animation
      reported.classList.add('flash');
      c.set(v);
    },
  };
}

function control(f, send) {
  switch (f.kind) {
    case 'bool': {
      const box = h('input', {
        type: 'checkbox', role: 'switch', class: 'switch', 'aria-label': f.label, data: { control: f.name },
        on: { change: () => send(box.checked) },
      });
      return { el: box, set: (v) => { box.checked = v === true; } };
    }
    case 'enum': {
      const sel = h('select', { 'aria-label': f.label, data: { control: f.name }, on: { change: () => send(sel.value) } },
        f.labels.map((l) => h('option', { value: l }, l)));
      return { el: sel, set: (v) => { if (typeof v === 'string') sel.value = v; } };
    }
    case 'number': {
      let dirty = false;
      const range = h('input', { type: 'range', min: f.min, max: f.max, step: f.step, 'aria-label': f.label });
      const num = h('input', { type: 'number', min: f.min, max: f.max, step: f.step, class: 'num', data: { control: f.name } });
      range.addEventListener('input', () => { num.value = range.value; dirty = true; });
      num.addEventListener('input', () => { range.value = num.value; dirty = true; });
      // go writes the number box's value, or flags it when out of range.
      const go = () => {
        const v = Number(num.value);
        if (num.value === '' || Number.isNaN(v) || v < f.min || v > f.max) {
          num.setCustomValidity(`${f.min} to ${f.max}`);
          num.reportValidity();
          setTimeout(() => num.setCustomValidity(''), 2000);
          return;
        }
        dirty = false;
        send(round(v, f.decimals));
      };
      const btn = h('button', { type: 'button', class: 'small', data: { write: f.name }, on: { click: go } }, 'Write');
      num.addEventListener('keydown', (e) => { if (e.key === 'Enter') go(); });
      return {
        el: h('span', { class: 'numctl' }, range, num, btn),
        set: (v) => { if (!dirty && typeof v === 'number') { num.value = v; range.value = v; } },
      };
    }
    case 'binary': {
      let dirty = false;
      const box = h('input', {
        type: 'text', class: 'hex', spellcheck: 'false', placeholder: `hex, up to ${f.bytes} bytes`,
        maxlength: f.bytes * 2 + f.bytes, 'aria-label': f.label, data: { control: f.name },
        on: { input: () => { dirty = true; } },
      });
      const go = () => {
        const bytes = parseHex(box.value);
        if (!bytes || bytes.length > f.bytes) {
          box.setCustomValidity(`hex digits, at most ${f.bytes} bytes`);
          box.reportValidity();
          setTimeout(() => box.setCustomValidity(''), 2000);
          return;
        }
        dirty = false;
        send(toHex(bytes));
      };
      box.addEventListener('keydown', (e) => { if (e.key === 'Enter') go(); });
      const btn = h('button', { type: 'button', class: 'small', data: { write: f.name }, on: { click: go } }, 'Write');
      return {
        el: h('span', { class: 'numctl' }, box, btn),
        set: (v) => { if (!dirty && Array.isArray(v)) box.value = toHex(v); },
      };
    }
    default:
      return { el: h('span', { class: 'muted' }, `unsupported type`), set() {} };
  }
}
