// The console's entry point: a hash router over the views. Routes:
//   #/login               app user login (and sign-up)
//   #/devices             the user's bound devices, live online state, bind
//   #/devices/<did>       one device: controls, live values, raw P0 log
//   #/operator[/<tab>]    operator views (admin token): products, apps,
//                         devices, partners, interconnect
// Credentials never appear in the hash (see session.js).

import { h, mount } from './dom.js';
import * as session from './session.js';
import * as live from './live.js';
import { loginView } from './views/login.js';
import { devicesView } from './views/devices.js';
import { deviceView } from './views/device.js';
import { operatorView } from './views/operator.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
let cleanup = null;

export function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

export function logout() {
  live.stop();
  session.clearUser();
  go('#/login');
}

// onLogin starts the live socket; a token the socket refuses (expired,
// revoked) sends the user back to the login form.
export function startLive(u) {
  live.start(u, () => {
    session.clearUser();
    live.stop();
    go('#/login?expired');
  });
}

function renderChrome(section) {
  const u = session.user();
  mount(nav,
    h('a', { href: '#/devices', class: section === 'devices' ? 'active' : null }, 'Devices'),
    h('a', { href: '#/operator', class: section === 'operator' ? 'active' : null }, 'Operator'));
  if (u) {
    mount(who, h('span', { data: { user: u.username || u.uid } }, u.username || u.uid), ' ',
      h('button', { type: 'button', class: 'link', id: 'logout', on: { click: logout } }, 'Log out'));
  } else {
    mount(who);
  }
}

function route() {
  if (cleanup) cleanup();
  cleanup = null;
  const [path, query] = location.hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const u = session.user();
  let section = parts[0] || (u ? 'devices' : 'login');
  if (section === 'devices' && !u) section = 'login';
  renderChrome(section);
  const ctx = { go, logout, startLive, query: new URLSearchParams(query || '') };
  switch (section) {
    case 'operator':
      cleanup = operatorView(main, parts[1] || 'products', ctx);
      break;
    case 'devices':
      cleanup = parts[1] ? deviceView(main, parts[1], ctx) : devicesView(main, ctx);
      break;
    default:
      cleanup = loginView(main, ctx);
  }
  main.focus?.();
}

window.addEventListener('hashchange', route);
const u = session.user();
if (u) startLive(u);
route();
