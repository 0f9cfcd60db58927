// Interconnect pairs: which watch app and phone app of one user and package
// are connected to the relay, and how much flows between them. On a server
// without the relay (the admin 404) or with it off (503
// interconnect_disabled) the tab says it is not available.

import { h, mount, fmtTime } from '../dom.js';
import { admin } from '../api.js';
import { poll, missing } from './op-util.js';

export function interconnectTab(panel, ctx) {
  const body = h('div', { id: 'pairs' }, h('p', { class: 'muted' }, 'Loading…'));
  const status = h('p', { class: 'notice', hidden: true });

  async function load() {
    try {
      const r = await admin('GET', '/interconnect/pairs');
      const pairs = r.pairs || [];
      if (!pairs.length) {
        mount(body, h('p', { class: 'muted', data: { pairs: 0 } }, 'No pairs yet: none of the companion apps has connected.'));
        return;
      }
      mount(body, h('table', { class: 'grid', data: { pairs: pairs.length } },
        h('thead', {}, h('tr', {}, ['User', 'Package', 'Watch did', 'Watch', 'Phone', 'State', 'Watch → phone', 'Phone → watch', 'Last message'].map((c) => h('th', {}, c)))),
        h('tbody', {}, pairs.map((p) => h('tr', { data: { pair: `${p.user_id}/${p.package}` } },
          h('td', {}, h('code', {}, p.user_id)),
          h('td', {}, p.package, h('br'), h('code', { class: 'small muted', title: 'fingerprint' }, p.fingerprint)),
          h('td', {}, h('code', {}, p.watch_did)),
          h('td', {}, conn(p.watch_connected)),
          h('td', {}, conn(p.phone_connected)),
          h('td', {}, h('span', { class: 'badge ' + (p.state === 'paired' ? 'on' : p.state === 'idle' ? 'off' : 'warn') }, p.state)),
          h('td', {}, String(p.messages_watch_to_phone)),
          h('td', {}, String(p.messages_phone_to_watch)),
          h('td', { class: 'muted' }, fmtTime(p.last_message_at)))))));
    } catch (e) {
      if (missing(e) || e.code === 'interconnect_disabled') {
        mount(body, h('p', { class: 'muted', data: { pairs: 'unavailable' } }, 'Not available: the interconnect relay is not running on this server.'));
        return;
      }
      ctx.fail(e, status);
    }
  }

  mount(panel, h('section', { class: 'card' }, h('h1', {}, 'Interconnect pairs'), status, body));
  return poll(load, 5000);
}

function conn(on) {
  return h('span', { class: 'badge ' + (on ? 'on' : 'off') }, on ? 'connected' : 'not connected');
}
