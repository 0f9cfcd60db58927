// Operator views over /admin/v1 with the admin bearer token (kept in
// sessionStorage for this tab only). One tab per resource; each tab module
// renders into the panel and may return a cleanup function.

import { h, mount, field, notice } from '../dom.js';
import { admin } from '../api.js';
import * as session from '../session.js';
import { productsTab } from './op-products.js';
import { appsTab } from './op-apps.js';
import { opDevicesTab } from './op-devices.js';
import { partnersTab } from './op-partners.js';
import { interconnectTab } from './op-interconnect.js';

const TABS = [
  ['products', 'Products', productsTab],
  ['apps', 'Applications', appsTab],
  ['devices', 'Devices', opDevicesTab],
  ['partners', 'Partners', partnersTab],
  ['interconnect', 'Interconnect', interconnectTab],
];

export function operatorView(main, tab, ctx) {
  if (!session.adminToken()) return tokenForm(main, ctx);
  const entry = TABS.find((t) => t[0] === tab) || TABS[0];
  const panel = h('div', { id: 'op-panel' });
  mount(main,
    h('div', { class: 'tabs', role: 'tablist' },
      TABS.map(([id, label]) => h('a', {
        href: '#/operator/' + id, role: 'tab', id: 'tab-' + id,
        class: id === entry[0] ? 'active' : null, 'aria-selected': String(id === entry[0]),
      }, label)),
      h('span', { class: 'spacer' }),
      h('button', {
        type: 'button', class: 'link', id: 'admin-logout',
        on: { click: () => { session.clearAdminToken(); ctx.go('#/operator'); } },
      }, 'Forget admin token')),
    panel);
  const opCtx = {
    ...ctx,
    // unauthorized: the token was wrong or rotated; ask again.
    fail(e, el) {
      if (e.status === 401) {
        session.clearAdminToken();
        ctx.go('#/operator?refused');
        return;
      }
      notice(el, 'error', e.message);
    },
  };
  return entry[2](panel, opCtx);
}

// tokenForm asks for the admin token and checks it with one cheap call
// before keeping it.
function tokenForm(main, ctx) {
  const token = h('input', { id: 'admin-token', type: 'password', required: true, autocomplete: 'off', spellcheck: 'false' });
  const status = h('p', { id: 'admin-error', class: 'notice', role: 'alert', hidden: true });
  if (ctx.query.has('refused')) notice(status, 'error', 'The admin token was refused.');
  async function submit(e) {
    e.preventDefault();
    session.setAdminToken(token.value.trim());
    try {
      await admin('GET', '/apps');
      ctx.go('#/operator/products');
    } catch (err) {
      session.clearAdminToken();
      token.value = '';
      notice(status, 'error', err.status === 401 ? 'The admin token was refused.' : err.message);
    }
  }
  mount(main, h('form', { class: 'card narrow', id: 'admin-form', on: { submit } },
    h('h1', {}, 'Operator'),
    h('p', { class: 'muted' }, 'The admin token is printed at the first start and kept in <data-dir>/admin-token. It stays in this tab only.'),
    field('Admin token', token),
    status,
    h('div', { class: 'actions' }, h('button', { type: 'submit', id: 'admin-login' }, 'Open'))));
  token.focus();
}
