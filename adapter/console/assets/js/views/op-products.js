// Products: list, upload a datapoint schema (the Gizwits product JSON, as
// `switchboard admin products create` sends it), and view one schema.

import { h, mount, notice, fmtTime } from '../dom.js';
import { admin } from '../api.js';
import { fields } from '../schema.js';

export function productsTab(panel, ctx) {
  const tbody = h('tbody', { id: 'product-rows' });
  const status = h('p', { class: 'notice', hidden: true });
  const detail = h('div', { id: 'product-detail' });

  async function load() {
    try {
      const r = await admin('GET', '/products');
      mount(tbody, (r.products || []).map((p) => h('tr', { data: { productKey: p.product_key } },
        h('td', {}, p.name),
        h('td', {}, h('code', {}, p.product_key)),
        h('td', { class: 'muted' }, fmtTime(p.created_at)),
        h('td', {}, h('button', { type: 'button', class: 'secondary small', on: { click: () => show(p.product_key) } }, 'Schema')))));
    } catch (e) {
      ctx.fail(e, status);
    }
  }

  async function show(key) {
    try {
      const p = await admin('GET', '/products/' + encodeURIComponent(key));
      const fs = fields(p.schema || {});
      mount(detail, h('section', { class: 'card' },
        h('h2', {}, p.name, ' ', h('code', {}, p.product_key)),
        h('p', { class: 'muted small' }, 'product_secret (for bind_mac signatures): ', h('code', {}, p.product_secret)),
        h('table', { class: 'grid' },
          h('thead', {}, h('tr', {}, ['Name', 'Label', 'Type', 'Access', 'Range'].map((c) => h('th', {}, c)))),
          h('tbody', {}, fs.map((f) => h('tr', {},
            h('td', {}, h('code', {}, f.name)), h('td', {}, f.label), h('td', {}, f.kind), h('td', {}, f.access),
            h('td', {}, f.kind === 'number' ? `${f.min} … ${f.max} step ${f.step}` : f.kind === 'enum' ? f.labels.join(', ') : f.kind === 'binary' ? `${f.bytes} bytes` : '')))))));
    } catch (e) {
      ctx.fail(e, status);
    }
  }

  const schema = h('textarea', { id: 'schema-input', rows: 8, spellcheck: 'false', placeholder: '{"name": "...", "protocolType": "standard", "entities": [...]}' });
  const file = h('input', { type: 'file', accept: 'application/json,.json', id: 'schema-file' });
  file.addEventListener('change', async () => {
    if (file.files[0]) schema.value = await file.files[0].text();
  });
  const upStatus = h('p', { id: 'upload-status', class: 'notice', role: 'status', hidden: true });
  async function upload(e) {
    e.preventDefault();
    try {
      JSON.parse(schema.value);
    } catch (err) {
      notice(upStatus, 'error', 'Not JSON: ' + err.message);
      return;
    }
    try {
      const p = await admin('POST', '/products', schema.value);
      notice(upStatus, 'ok', `Created ${p.name}: product_key ${p.product_key}`);
      schema.value = '';
      load();
    } catch (err) {
      ctx.fail(err, upStatus);
    }
  }

  mount(panel,
    h('section', { class: 'card' },
      h('h1', {}, 'Products'), status,
      h('table', { class: 'grid', id: 'products' },
        h('thead', {}, h('tr', {}, ['Name', 'product_key', 'Created', ''].map((c) => h('th', {}, c)))), tbody)),
    detail,
    h('form', { class: 'card', id: 'upload-form', on: { submit: upload } },
      h('h2', {}, 'Upload a product schema'),
      h('p', { class: 'muted' }, 'A Gizwits product definition (see examples/products/). It is compiled before it is kept: a schema the codec refuses is not created.'),
      file, schema, upStatus,
      h('div', { class: 'actions' }, h('button', { type: 'submit', id: 'upload' }, 'Upload'))));
  load();
}
