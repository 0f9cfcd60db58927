// Applications: the appids user apps send as X-Gizwits-Application-Id.

import { h, mount, field, notice, fmtTime } from '../dom.js';
import { admin } from '../api.js';

export function appsTab(panel, ctx) {
  const tbody = h('tbody', { id: 'app-rows' });
  const status = h('p', { class: 'notice', hidden: true });

  async function load() {
    try {
      const r = await admin('GET', '/apps');
      mount(tbody, (r.apps || []).map((a) => {
        const secret = h('code', { class: 'secret' }, '••••••');
        const reveal = h('button', {
          type: 'button', class: 'link small',
          on: { click: () => { secret.textContent = a.app_secret; reveal.remove(); } },
        }, 'show');
        return h('tr', { data: { appid: a.appid } },
          h('td', {}, a.name), h('td', {}, h('code', {}, a.appid)),
          h('td', {}, secret, ' ', reveal), h('td', { class: 'muted' }, fmtTime(a.created_at)));
      }));
    } catch (e) {
      ctx.fail(e, status);
    }
  }

  const name = h('input', { id: 'app-name', required: true });
  const createStatus = h('p', { class: 'notice', role: 'status', hidden: true });
  async function create(e) {
    e.preventDefault();
    try {
      const a = await admin('POST', '/apps', { name: name.value.trim() });
      notice(createStatus, 'ok', `Created ${a.name}: appid ${a.appid}`);
      name.value = '';
      load();
    } catch (err) {
      ctx.fail(err, createStatus);
    }
  }

  mount(panel,
    h('section', { class: 'card' }, h('h1', {}, 'Applications'), status,
      h('table', { class: 'grid', id: 'apps' },
        h('thead', {}, h('tr', {}, ['Name', 'appid', 'app_secret', 'Created'].map((c) => h('th', {}, c)))), tbody)),
    h('form', { class: 'card', on: { submit: create } }, h('h2', {}, 'Create an application'),
      h('div', { class: 'row' }, field('Name', name), h('button', { type: 'submit', id: 'create-app' }, 'Create')),
      createStatus));
  load();
}
