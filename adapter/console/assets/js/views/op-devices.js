// Devices as the operator sees them: every device of every product, online
// state (polled: the admin API has no socket), disable/enable, and
// pre-registration of a device with its MAC.

import { h, mount, field, notice, fmtTime } from '../dom.js';
import { admin } from '../api.js';
import { poll } from './op-util.js';

export function opDevicesTab(panel, ctx) {
  const tbody = h('tbody', { id: 'op-device-rows' });
  const status = h('p', { class: 'notice', hidden: true });

  async function load() {
    try {
      const r = await admin('GET', '/devices?limit=1000');
      mount(tbody, (r.devices || []).map((d) => h('tr', { data: { did: d.did } },
        h('td', {}, h('code', {}, d.did)),
        h('td', {}, h('code', {}, d.product_key)),
        h('td', {}, d.mac),
        h('td', {}, h('code', {}, d.passcode)),
        h('td', {}, h('span', { class: 'badge ' + (d.is_online ? 'on' : 'off'), data: { online: d.is_online } }, d.is_online ? 'online' : 'offline'),
          d.is_disabled ? h('span', { class: 'badge warn' }, 'disabled') : null),
        h('td', { class: 'muted' }, fmtTime(d.last_seen)),
        h('td', {}, h('button', {
          type: 'button', class: 'secondary small',
          on: { click: () => act(d.did, d.is_disabled ? 'enable' : 'disable') },
        }, d.is_disabled ? 'Enable' : 'Disable')))));
    } catch (e) {
      ctx.fail(e, status);
    }
  }

  async function act(did, what) {
    try {
      await admin('POST', `/devices/${encodeURIComponent(did)}/${what}`);
      load();
    } catch (e) {
      ctx.fail(e, status);
    }
  }

  const pk = h('input', { id: 'reg-product', required: true, spellcheck: 'false' });
  const mac = h('input', { id: 'reg-mac', required: true, spellcheck: 'false', placeholder: '12 hex digits' });
  const regStatus = h('p', { class: 'notice', role: 'status', hidden: true });
  async function register(e) {
    e.preventDefault();
    try {
      const d = await admin('POST', '/devices', { product_key: pk.value.trim(), mac: mac.value.trim() });
      notice(regStatus, 'ok', `did ${d.did}, passcode ${d.passcode}`);
      load();
    } catch (err) {
      ctx.fail(err, regStatus);
    }
  }

  mount(panel,
    h('section', { class: 'card' }, h('h1', {}, 'Devices'), status,
      h('table', { class: 'grid', id: 'op-devices' },
        h('thead', {}, h('tr', {}, ['did', 'product_key', 'MAC', 'Passcode', 'State', 'Last seen', ''].map((c) => h('th', {}, c)))), tbody)),
    h('form', { class: 'card', on: { submit: register } }, h('h2', {}, 'Register a device'),
      h('p', { class: 'muted' }, 'Devices register themselves at first boot; this is for printing a did and passcode ahead of time.'),
      h('div', { class: 'row' }, field('product_key', pk), field('MAC', mac), h('button', { type: 'submit' }, 'Register')),
      regStatus));
  return poll(load, 5000);
}
