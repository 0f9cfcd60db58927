// The user's bound devices (GET /app/bindings) with their online state kept
// live by the socket's s2c_online_status, and a form to bind a device by
// did and passcode (POST /app/bindings). A binding made or removed
// elsewhere (s2c_binding_changed) reloads the list.

import { h, mount, field, notice, text, fmtTime } from '../dom.js';
import { giz, tokenExpired } from '../api.js';
import * as live from '../live.js';

export function onlineBadge(on) {
  return h('span', { class: 'badge ' + (on ? 'on' : 'off'), data: { online: on } }, on ? 'online' : 'offline');
}

export function setBadge(el, on) {
  el.className = 'badge ' + (on ? 'on' : 'off');
  el.dataset.online = String(on);
  text(el, on ? 'online' : 'offline');
}

export function devicesView(main, ctx) {
  const tbody = h('tbody', { id: 'device-rows' });
  const empty = h('p', { class: 'muted', id: 'no-devices', hidden: true }, 'No devices bound yet: bind one below with its did and passcode.');
  const listStatus = h('p', { class: 'notice', hidden: true });
  const badges = new Map(); // did -> badge element

  async function load() {
    try {
      const r = await giz.bindings();
      badges.clear();
      const rows = (r.devices || []).map((d) => {
        const on = live.online.has(d.did) ? live.online.get(d.did) : Boolean(d.is_online);
        const badge = onlineBadge(on);
        badges.set(d.did, badge);
        const href = '#/devices/' + encodeURIComponent(d.did);
        return h('tr', { data: { did: d.did } },
          h('td', {}, h('a', { href, class: 'devlink' }, d.dev_alias || d.product_name || d.did)),
          h('td', {}, h('code', {}, d.did)),
          h('td', {}, d.mac),
          h('td', {}, d.product_name),
          h('td', {}, badge),
          h('td', { class: 'muted' }, fmtTime(d.state_last_timestamp)));
      });
      mount(tbody, rows);
      empty.hidden = rows.length > 0;
      notice(listStatus, '', '');
    } catch (e) {
      if (tokenExpired(e)) return ctx.logout();
      notice(listStatus, 'error', 'Could not list devices: ' + e.message);
    }
  }

  const did = h('input', { id: 'bind-did', required: true, spellcheck: 'false', autocomplete: 'off' });
  const passcode = h('input', { id: 'bind-passcode', required: true, spellcheck: 'false', autocomplete: 'off' });
  const bindStatus = h('p', { id: 'bind-status', class: 'notice', role: 'status', hidden: true });
  async function bind(e) {
    e.preventDefault();
    try {
      const r = await giz.bind(did.value.trim(), passcode.value.trim());
      if ((r.success || []).length) {
        notice(bindStatus, 'ok', 'Bound ' + r.success.join(', '));
        did.value = passcode.value = '';
      } else {
        notice(bindStatus, 'error', 'Not bound: wrong did or passcode, or the device is disabled.');
      }
      load();
    } catch (err) {
      notice(bindStatus, 'error', 'Bind failed: ' + err.message);
    }
  }

  mount(main,
    h('section', { class: 'card' },
      h('div', { class: 'card-head' }, h('h1', {}, 'Devices'),
        h('button', { type: 'button', class: 'secondary small', on: { click: load } }, 'Refresh')),
      listStatus,
      h('table', { class: 'grid', id: 'devices' },
        h('thead', {}, h('tr', {}, ['Name', 'did', 'MAC', 'Product', 'State', 'Last change'].map((c) => h('th', {}, c)))),
        tbody),
      empty),
    h('form', { class: 'card', id: 'bind-form', on: { submit: bind } },
      h('h2', {}, 'Bind a device'),
      h('p', { class: 'muted' }, 'The did and passcode come from the device (the simulator prints them) or the operator.'),
      h('div', { class: 'row' }, field('did', did), field('Passcode', passcode),
        h('button', { type: 'submit', id: 'bind' }, 'Bind')),
      bindStatus));

  const stop = live.listen((ev) => {
    if (ev.type === 'online' && badges.has(ev.did)) setBadge(badges.get(ev.did), ev.online);
    if (ev.type === 'binding') load();
  });
  load();
  return stop;
}
