// A client of the realtime socket /ws/app/v1, speaking the same protocol
// as the Gizwits SDKs (docs/protocol-gizwits.md): login_req on open, a ping
// every 50 s against a 60 s heartbeat, and a reconnect with backoff when
// the socket drops. Messages reach onMessage(cmd, msg) unchanged.

const HEARTBEAT = 60; // seconds, sent as heartbeat_interval
const PING_EVERY = 50_000;

export class GizSocket {
  // opts: {appid, uid, token, p0Type: 'attrs_v4'|'custom', autoSubscribe,
  //        dids: [] (subscribed after each login when not autoSubscribe),
  //        onMessage(cmd, msg), onState(state, detail)}
  constructor(opts) {
    this.o = opts;
    this.dids = new Set(opts.dids || []);
    this.ws = null;
    this.closed = false;
    this.delay = 1000;
    this.loggedIn = false;
    this.queue = []; // commands sent before login completes
  }

  connect() {
    this.closed = false;
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${scheme}//${location.host}/ws/app/v1`);
    this.ws = ws;
    this.state('connecting');
    ws.onopen = () => {
      ws.send(JSON.stringify({
        cmd: 'login_req',
        data: {
          appid: this.o.appid, uid: this.o.uid, token: this.o.token,
          p0_type: this.o.p0Type || 'attrs_v4', heartbeat_interval: HEARTBEAT,
          auto_subscribe: Boolean(this.o.autoSubscribe),
        },
      }));
      this.ping = setInterval(() => this.raw({ cmd: 'ping' }), PING_EVERY);
    };
    ws.onmessage = (ev) => this.receive(ev.data);
    ws.onclose = () => {
      clearInterval(this.ping);
      this.loggedIn = false;
      if (this.ws !== ws || this.closed) return;
      this.state('disconnected');
      setTimeout(() => { if (!this.closed) this.connect(); }, this.delay);
      this.delay = Math.min(this.delay * 2, 10_000);
    };
  }

  receive(data) {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    if (msg.cmd === 'login_res') {
      if (msg.data && msg.data.success) {
        this.loggedIn = true;
        this.delay = 1000;
        this.state('online');
        if (!this.o.autoSubscribe && this.dids.size) {
          this.raw({ cmd: 'subscribe_req', data: [...this.dids].map((did) => ({ did })) });
        }
        for (const m of this.queue.splice(0)) this.raw(m);
      } else {
        // A refused token will be refused again: stop instead of looping.
        this.closed = true;
        this.state('refused', msg.data || {});
        this.ws.close();
      }
    }
    if (this.o.onMessage) this.o.onMessage(msg.cmd, msg);
  }

  state(s, detail) {
    if (this.o.onState) this.o.onState(s, detail);
  }

  raw(m) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(m));
  }

  // send queues a command until the socket is logged in.
  send(cmd, data, top = {}) {
    const m = { cmd, data, ...top };
    if (this.loggedIn) this.raw(m);
    else this.queue.push(m);
  }

  subscribe(did) {
    this.dids.add(did);
    if (this.loggedIn) this.raw({ cmd: 'subscribe_req', data: [{ did }] });
  }

  close() {
    this.closed = true;
    clearInterval(this.ping);
    if (this.ws) this.ws.close();
    this.ws = null;
  }
}
