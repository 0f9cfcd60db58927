// Partners (Aqara-style intent API) with their push health: delivery
// state, queue, recent failures, and the failed pushes themselves. Servers
// that do not report push health yet show "not reported" (the partner
// objects have no "push" then) and the failed-push list says "not
// available" (its endpoint answers the admin 404).

import { h, mount, notice, fmtTime, text } from '../dom.js';
import { admin } from '../api.js';
import { poll, missing } from './op-util.js';

export function partnersTab(panel, ctx) {
  const tbody = h('tbody', { id: 'partner-rows' });
  const status = h('p', { class: 'notice', id: 'partners-status', hidden: true });
  const detail = h('div', { id: 'pushes' });
  const empty = h('p', { class: 'muted', hidden: true }, 'No partners yet (switchboard admin partners create).');

  async function load() {
    try {
      const r = await admin('GET', '/partners');
      const ps = r.partners || [];
      empty.hidden = ps.length > 0;
      mount(tbody, ps.map(rowOf));
    } catch (e) {
      ctx.fail(e, status);
    }
  }

  function rowOf(p) {
    const push = p.push;
    const actions = [
      h('button', { type: 'button', class: 'secondary small', data: { failed: p.app_id }, on: { click: () => failed(p) } }, 'Failed pushes'),
      push && push.state === 'suspended'
        ? h('button', { type: 'button', class: 'small', data: { pushEnable: p.app_id }, on: { click: () => act(p, '/push/enable') } }, 'Resume pushes')
        : null,
      h('button', { type: 'button', class: 'secondary small', on: { click: () => act(p, p.suspended ? '/enable' : '/disable') } },
        p.suspended ? 'Enable partner' : 'Suspend partner'),
    ];
    return h('tr', { data: { appId: p.app_id } },
      h('td', {}, p.name, h('br'), h('code', { class: 'small' }, p.app_id)),
      h('td', { class: 'url' }, p.push_url || h('span', { class: 'muted' }, 'no push')),
      h('td', {}, p.suspended
        ? h('span', { class: 'badge off', title: p.suspended_reason || '' }, 'suspended')
        : h('span', { class: 'badge on' }, 'enabled')),
      h('td', { class: 'push-health' }, health(push)),
      h('td', { class: 'actions-cell' }, actions));
  }

  function health(push) {
    if (!push) return h('span', { class: 'muted', data: { push: 'unreported' } }, 'not reported by this server');
    const cls = push.state === 'active' ? 'on' : push.state === 'warned' ? 'warn' : 'off';
    return h('div', { data: { push: push.state } },
      h('span', { class: 'badge ' + cls }, push.state),
      h('span', { class: 'small' }, ` pending ${push.pending} · delivered ${push.delivered} · failed ${push.failed_5m}/${push.attempts_5m} in 5 min`),
      push.suspended_at ? h('div', { class: 'small muted' }, 'suspended ' + fmtTime(push.suspended_at)) : null,
      push.last_error ? h('div', { class: 'small error-text' }, push.last_error) : null);
  }

  async function act(p, path) {
    try {
      await admin('POST', `/partners/${encodeURIComponent(p.app_id)}${path}`);
      load();
    } catch (e) {
      ctx.fail(e, status);
    }
  }

  async function failed(p) {
    const head = h('h2', {}, 'Failed pushes of ', p.name);
    const body = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
    mount(detail, h('section', { class: 'card', id: 'failed-pushes' }, head, body));
    try {
      const r = await admin('GET', `/partners/${encodeURIComponent(p.app_id)}/pushes/failed`);
      const list = r.pushes || [];
      if (!list.length) {
        mount(body, h('p', { class: 'muted', data: { pushes: 0 } }, 'None.'));
        return;
      }
      mount(body, h('table', { class: 'grid', data: { pushes: list.length } },
        h('thead', {}, h('tr', {}, ['msg_id', 'Created', 'Attempts', 'State', 'Last error', 'Body'].map((c) => h('th', {}, c)))),
        h('tbody', {}, list.map((x) => h('tr', {},
          h('td', {}, h('code', {}, x.msg_id)),
          h('td', { class: 'muted' }, fmtTime(x.created_at)),
          h('td', {}, String(x.attempts)),
          h('td', {}, h('span', { class: 'badge ' + (x.state === 'dead' ? 'off' : x.state === 'delivered' ? 'on' : 'warn') }, x.state)),
          h('td', { class: 'error-text' }, x.last_error),
          h('td', {}, h('details', {}, h('summary', {}, 'show'), h('pre', {}, x.body))))))));
    } catch (e) {
      if (missing(e)) {
        mount(body, h('p', { class: 'muted', data: { pushes: 'unavailable' } }, 'Not available: this server does not list failed pushes.'));
        return;
      }
      mount(body, h('p', { class: 'notice error' }));
      text(body.firstChild, e.message);
    }
  }

  mount(panel,
    h('section', { class: 'card' }, h('h1', {}, 'Partners'), status,
      h('table', { class: 'grid', id: 'partners' },
        h('thead', {}, h('tr', {}, ['Partner', 'Push URL', 'State', 'Push health', ''].map((c) => h('th', {}, c)))), tbody),
      empty),
    detail);
  return poll(load, 5000);
}
