// Live state of the logged-in user's devices, fed by one attrs_v4 socket
// with auto_subscribe (every bound device, and devices bound later). Views
// read online/attrs from here and listen for changes; the socket lives as
// long as the login, not as long as a view.

import { GizSocket } from './socket.js';

const listeners = new Set();
let sock = null;
export const online = new Map(); // did -> bool
export const attrs = new Map(); // did -> {name: value}
export let socketState = 'offline';

// listen(fn) calls fn(event) for {type:'online'|'attrs'|'binding'|'socket'|
// 'invalid', did, ...}; it returns a function that stops listening.
export function listen(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function emit(ev) {
  for (const fn of [...listeners]) fn(ev);
}

// mergeAttrs keeps the newest value of every datapoint a device reported.
export function mergeAttrs(did, a) {
  attrs.set(did, { ...(attrs.get(did) || {}), ...a });
}

export function start(u, onRefused) {
  stop();
  sock = new GizSocket({
    appid: u.appid, uid: u.uid, token: u.token, p0Type: 'attrs_v4', autoSubscribe: true,
    onState(s, detail) {
      socketState = s;
      emit({ type: 'socket', state: s });
      if (s === 'refused') onRefused(detail);
    },
    onMessage(cmd, msg) {
      const d = msg.data || {};
      switch (cmd) {
        case 's2c_online_status':
          online.set(d.did, Boolean(d.online));
          emit({ type: 'online', did: d.did, online: Boolean(d.online) });
          break;
        case 's2c_noti':
          mergeAttrs(d.did, d.attrs || {});
          emit({ type: 'attrs', did: d.did, attrs: d.attrs || {} });
          break;
        case 's2c_binding_changed':
          emit({ type: 'binding', did: d.did, bind: d.bind });
          break;
        case 's2c_invalid_msg':
          emit({ type: 'invalid', did: d.did, code: d.error_code, msg: d.msg });
          break;
      }
    },
  });
  sock.connect();
}

export function stop() {
  if (sock) sock.close();
  sock = null;
  online.clear();
  attrs.clear();
  socketState = 'offline';
}

// write sends c2s_write for one device; read sends c2s_read (all points).
export function write(did, values) {
  if (sock) sock.send('c2s_write', { did, attrs: values });
}

export function read(did) {
  if (sock) sock.send('c2s_read', { did });
}
