// App user login, as a Gizwits app does it: POST /app/login with the
// application id in X-Gizwits-Application-Id. Under --demo the username
// starts as the demo user's (never the password: it is printed in the
// server's terminal only, since the server may be reachable by others).
// The id starts as the
// server's default (/console/config.json: the demo app or
// --console-appid) when it has one, else the last one used in this
// browser (a remembered id from an earlier data dir would be refused).

import { h, mount, field, notice } from '../dom.js';
import { giz } from '../api.js';
import * as session from '../session.js';

export function loginView(main, ctx) {
  const appid = h('input', { id: 'appid', name: 'appid', required: true, autocomplete: 'off', spellcheck: 'false', value: session.lastAppID() });
  const username = h('input', { id: 'username', name: 'username', required: true, autocomplete: 'username' });
  const password = h('input', { id: 'password', name: 'password', type: 'password', required: true, autocomplete: 'current-password' });
  const status = h('p', { id: 'login-error', class: 'notice', role: 'alert', hidden: true });
  let alive = true;
  let edited = false; // the server's default never overwrites what the user typed
  appid.addEventListener('input', () => { edited = true; });

  fetch('/console/config.json', { cache: 'no-store' })
    .then((r) => r.json())
    .then((c) => {
      if (!alive) return;
      if (c.appid && !edited) appid.value = c.appid;
      if (c.username && !username.value) username.value = c.username;
      // Move on to the first empty field, unless the user went elsewhere.
      if (document.activeElement === first) (appid.value ? (username.value ? password : username) : appid).focus();
    })
    .catch(() => {});

  async function submit(kind) {
    if (!appid.value || !username.value || !password.value) {
      notice(status, 'error', 'Application id, username and password are all needed.');
      return;
    }
    notice(status, '', 'Logging in…');
    try {
      const fn = kind === 'signup' ? giz.signUp : giz.login;
      const r = await fn(appid.value.trim(), username.value.trim(), password.value);
      const u = { appid: appid.value.trim(), uid: r.uid, token: r.token, expire_at: r.expire_at, username: username.value.trim() };
      session.setUser(u);
      ctx.startLive(u);
      ctx.go('#/devices');
    } catch (e) {
      password.value = '';
      notice(status, 'error', (kind === 'signup' ? 'Sign-up refused: ' : 'Login refused: ') + e.message);
    }
  }

  const form = h('form', { class: 'card narrow', id: 'login-form', on: { submit: (e) => { e.preventDefault(); submit('login'); } } },
    h('h1', {}, 'Log in'),
    h('p', { class: 'muted' }, 'As an app user of one application, with the Gizwits app API.'),
    ctx.query.has('expired') ? h('p', { class: 'notice error' }, 'Your session ended; log in again.') : null,
    field('Application id', appid, 'X-Gizwits-Application-Id: from the operator (switchboard admin apps list)'),
    field('Username', username),
    field('Password', password),
    status,
    h('div', { class: 'actions' },
      h('button', { type: 'submit', id: 'login' }, 'Log in'),
      h('button', { type: 'button', class: 'secondary', id: 'signup', on: { click: () => submit('signup') } }, 'Create account')),
    h('p', { class: 'muted small' }, 'Operators: ', h('a', { href: '#/operator' }, 'open the operator view'), ' with the admin token.'));
  mount(main, form);
  const first = appid.value ? username : appid;
  first.focus();
  return () => { alive = false; };
}
