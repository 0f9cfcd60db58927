'use strict'
/*
 * @switchboard-iot/interconnect: a drop-in for Vela's `@system.interconnect`
 * that talks to a Switchboard relay (/ws/interconnect/v1) over WebSocket,
 * in Node and in browsers. Same names, callbacks and codes as the Vela
 * document; what the document leaves open is decided in
 * docs/protocol-interconnect.md of the Switchboard repository.
 *
 *   const interconnect = require('@switchboard-iot/interconnect')
 *   interconnect.configure({ url, did, passcode, package, certificate })
 *   const connect = interconnect.instance()
 *   connect.onmessage = (data) => console.log(data.data)
 *   connect.send({ data: { hello: 1 }, success () {}, fail (data, code) {} })
 */

const codes = Object.freeze({
  STATUS_CONNECTED: 1,
  STATUS_DISCONNECTED: 2,
  OK: 0,
  SYSTEM_ERROR: 200,
  BAD_PARAMS: 202,
  CONNECT_TIMEOUT: 204,
  DUPLICATE: 205,
  OTHERS: 1000,
  APP_UNINSTALLED: 1001,
  DISCONNECTED: 1006,
  MESSAGE_TOO_LARGE: 1009
})

// isFinalClose: the relay's close codes 4400-4499 end a session for good
// (4400 bad hello, 4401 bad or revoked credentials, 4403 forbidden, 4408
// no hello in time, 4409 replaced by a newer session of the same app).
// Reconnecting with the same configuration cannot help, and after 4409 it
// would take the session back from the newer one, which would then do the
// same, twice a second for ever.
function isFinalClose (code) {
  return code >= 4400 && code <= 4499
}

const DEFAULTS = { minReconnectDelay: 500, maxReconnectDelay: 10000, sendTimeout: 15000 }

let globalConfig = null
let singleton = null

// configure sets what instance() connects with: url, did, passcode,
// package, certificate (PEM text, or base64 DER), and optionally userId,
// privateKey (PEM, Node) or sign (async bytes => signature bytes) for the
// proof of possession, WebSocket (a constructor), and reconnect delays.
function configure (config) {
  globalConfig = config
}

// instance returns the app's one connection, creating it (and so
// connecting) on the first call, as the Vela API does.
function instance () {
  if (!singleton) singleton = createConnection(globalConfig || envConfig())
  return singleton
}

// createConnection makes an independent connection (tests, tools); apps
// use instance().
function createConnection (config) {
  if (!config || !config.url) {
    throw new Error('@switchboard-iot/interconnect: call configure({url, did, passcode, package, certificate}) first')
  }
  return new Connection(config)
}

function envConfig () {
  const env = typeof process !== 'undefined' && process.env ? process.env : {}
  if (!env.SWITCHBOARD_INTERCONNECT_URL) return null
  const fs = require('node:fs')
  return {
    url: env.SWITCHBOARD_INTERCONNECT_URL,
    did: env.SWITCHBOARD_WATCH_DID,
    passcode: env.SWITCHBOARD_WATCH_PASSCODE,
    package: env.SWITCHBOARD_PACKAGE,
    certificate: env.SWITCHBOARD_CERTIFICATE && fs.readFileSync(env.SWITCHBOARD_CERTIFICATE, 'utf8')
  }
}

class Connection {
  constructor (config) {
    this._cfg = { ...DEFAULTS, ...config }
    this.onmessage = null
    this.onopen = null
    this.onclose = null
    this.onerror = null
    this._ws = null
    this._relayUp = false // welcome received on the current socket
    this._paired = false
    this._everOpened = false
    this._closed = false // close() called
    this._fatal = null // {code, message} once the relay ended us for good
    this._pending = new Map()
    this._nextId = 1
    this._delay = this._cfg.minReconnectDelay
    this._timer = null
    this._upWaiters = []
    this.maxMessageBytes = 16384
    this._connect()
  }

  // --- the Vela API ---

  getReadyState (obj = {}) {
    if (!this._relayUp) return fail(obj, codes.DISCONNECTED, 'the link to the relay is down')
    this._request({ type: 'state' }, this._cfg.sendTimeout).then((r) => {
      if (r.code !== 0) return fail(obj, r.code, r.message)
      succeed(obj, { status: r.status })
    })
  }

  diagnosis (obj = {}) {
    const timeout = typeof obj.timeout === 'number' && obj.timeout >= 0 ? obj.timeout : 10000
    const deadline = Date.now() + timeout
    const answer = (status, message) => succeed(obj, { status, data: message })
    if (this._fatal) return answer(codes.OTHERS, this._fatal.message)
    // A connection in progress is waited for, within the timeout.
    this._whenUp(timeout).then((up) => {
      if (!up) return answer(this._fatal ? codes.OTHERS : codes.CONNECT_TIMEOUT, this._fatal ? this._fatal.message : 'the relay could not be reached in time')
      const left = Math.max(0, deadline - Date.now())
      this._request({ type: 'diagnosis', timeout: left }, left + this._cfg.sendTimeout).then((r) => {
        if (r.code === codes.DISCONNECTED) return answer(codes.OTHERS, r.message)
        if (r.code !== 0) return fail(obj, r.code, r.message)
        answer(r.status, r.message)
      })
    })
  }

  send (obj = {}) {
    let text
    try {
      text = JSON.stringify(obj.data === undefined ? {} : obj.data)
    } catch (e) {
      return fail(obj, codes.BAD_PARAMS, 'data cannot be serialized: ' + e.message)
    }
    if (text === undefined) return fail(obj, codes.BAD_PARAMS, 'data cannot be serialized')
    if (utf8Length(text) > this.maxMessageBytes) {
      return fail(obj, codes.MESSAGE_TOO_LARGE, 'message larger than ' + this.maxMessageBytes + ' bytes')
    }
    if (!this._relayUp) return fail(obj, codes.DISCONNECTED, 'the link to the relay is down')
    this._request({ type: 'send', data: text }, this._cfg.sendTimeout).then((r) => {
      if (r.code !== 0) return fail(obj, r.code, r.message)
      succeed(obj, undefined)
    })
  }

  // --- Switchboard additions ---

  // close stops the connection for good (tests, Node apps exiting).
  close () {
    this._closed = true
    clearTimeout(this._timer)
    if (this._ws) this._ws.close(1000, 'closed by the app')
    this._dropPending('the connection was closed')
    this._upWaiters.splice(0).forEach((w) => w(false))
  }

  // --- internals ---

  _connect () {
    if (this._closed || this._fatal) return
    const WS = this._cfg.WebSocket || globalThis.WebSocket || nodeWS()
    let ws
    try {
      ws = new WS(this._cfg.url)
    } catch (e) {
      return this._lost(codes.DISCONNECTED, e.message)
    }
    this._ws = ws
    ws.onmessage = (ev) => this._frame(ws, ev.data)
    ws.onclose = (ev) => { if (this._ws === ws) this._lost(ev.code, ev.reason) }
    // A failed connection fires error; Node 20's WebSocket then never fires
    // close (a refused connection would stop the reconnecting), so the
    // error ends the socket here. A close frame from the relay (4409 ...)
    // fires no error, so final closes still arrive through onclose.
    ws.onerror = () => {
      if (this._ws !== ws) return
      this._lost(1006, 'the connection failed')
      try { ws.close() } catch {}
    }
  }

  _frame (ws, raw) {
    let f
    try {
      f = JSON.parse(typeof raw === 'string' ? raw : String(raw))
    } catch {
      return
    }
    switch (f.type) {
      case 'challenge':
        this.maxMessageBytes = f.max_message_bytes || this.maxMessageBytes
        this._hello(ws, f.nonce).catch((e) => {
          // Reported by _lost when the socket has closed, as the relay's
          // refusals are.
          this._fatal = { code: null, message: 'cannot sign the proof: ' + e.message }
          ws.close(1000)
        })
        break
      case 'welcome':
        this._relayUp = true
        this._delay = this._cfg.minReconnectDelay
        this.fingerprint = f.fingerprint
        this.userId = f.user_id
        this._upWaiters.splice(0).forEach((w) => w(true))
        break
      case 'fatal':
        // The close with the same code follows; _lost reports it once,
        // with this (untruncated) message.
        if (isFinalClose(f.code)) {
          if (!this._fatal) this._fatal = { code: f.code, message: f.message }
        } else {
          emit(this, 'onerror', { code: codes.OTHERS, data: f.message })
        }
        break
      case 'result': {
        const p = this._pending.get(f.id)
        if (p) {
          this._pending.delete(f.id)
          clearTimeout(p.timer)
          p.resolve(f)
        }
        break
      }
      case 'open':
        this._paired = true
        emitOpen(this, { isReconnected: this._everOpened })
        this._everOpened = true
        break
      case 'close':
        this._paired = false
        emit(this, 'onclose', { code: f.code, data: f.reason || '' })
        break
      case 'error':
        emit(this, 'onerror', { code: f.code, data: f.message || '' })
        break
      case 'message':
        emit(this, 'onmessage', { data: f.data })
        break
    }
  }

  async _hello (ws, nonceB64) {
    const cfg = this._cfg
    const hello = { type: 'hello', role: 'watch', package: cfg.package, certificate: cfg.certificate, did: cfg.did, passcode: cfg.passcode }
    if (cfg.userId) hello.user_id = cfg.userId
    const proof = await makeProof(cfg, base64ToBytes(nonceB64))
    if (proof) hello.proof = bytesToBase64(proof)
    if (this._ws === ws) ws.send(JSON.stringify(hello))
  }

  // _lost handles the socket ending: unless the app closed it or the relay
  // ended us for good, the pair closes (1006) and we reconnect.
  _lost (code, reason) {
    this._ws = null
    this._relayUp = false
    this._dropPending('the link to the relay was lost')
    if (this._closed) return
    if (isFinalClose(code) && !this._fatal) this._fatal = { code, message: reason || 'ended by the relay (' + code + ')' }
    if (this._fatal) return this._stop()
    if (this._paired) {
      this._paired = false
      emit(this, 'onclose', { code: codes.DISCONNECTED, data: 'the link to the relay was lost' })
    }
    emit(this, 'onerror', { code: codes.DISCONNECTED, data: 'the link to the relay was lost' + (reason ? ': ' + reason : '') })
    this._timer = setTimeout(() => this._connect(), this._delay)
    this._delay = Math.min(this._delay * 2, this._cfg.maxReconnectDelay)
  }

  // _stop reports the end for good once: onclose 1001 if the pair was
  // open (so an app's ready flag follows), then onerror 1000 with the
  // relay's reason and, as relayCode, its close code. Nothing reconnects.
  _stop () {
    const f = this._fatal
    const extra = typeof f.code === 'number' ? { relayCode: f.code } : {}
    if (this._paired) {
      this._paired = false
      emit(this, 'onclose', { code: 1001, data: f.message, ...extra }) // WebSocket's "going away"
    }
    this._upWaiters.splice(0).forEach((w) => w(false))
    emit(this, 'onerror', { code: codes.OTHERS, data: f.message, ...extra })
  }

  _whenUp (timeout) {
    if (this._relayUp) return Promise.resolve(true)
    return new Promise((resolve) => {
      const t = setTimeout(() => { remove(this._upWaiters, w); resolve(false) }, timeout)
      const w = (up) => { clearTimeout(t); resolve(up) }
      this._upWaiters.push(w)
    })
  }

  // _request sends a frame with an id and resolves with its result; a
  // lost link resolves 1006, no answer in time 204.
  _request (frame, timeout) {
    return new Promise((resolve) => {
      const id = this._nextId++
      const timer = setTimeout(() => {
        this._pending.delete(id)
        resolve({ code: codes.CONNECT_TIMEOUT, message: 'no answer from the relay in time' })
      }, timeout)
      this._pending.set(id, { resolve, timer })
      try {
        this._ws.send(JSON.stringify({ ...frame, id }))
      } catch (e) {
        this._pending.delete(id)
        clearTimeout(timer)
        resolve({ code: codes.DISCONNECTED, message: e.message })
      }
    })
  }

  _dropPending (message) {
    for (const [id, p] of this._pending) {
      clearTimeout(p.timer)
      p.resolve({ code: codes.DISCONNECTED, message })
      this._pending.delete(id)
    }
  }
}

// emitOpen calls onopen, or onOpen (the English document's example spells
// it so; real apps use onopen).
function emitOpen (conn, data) {
  if (typeof conn.onopen === 'function') return emit(conn, 'onopen', data)
  emit(conn, 'onOpen', data)
}

function emit (conn, name, data) {
  const fn = conn[name]
  if (typeof fn !== 'function') return
  try {
    fn.call(conn, data)
  } catch (e) {
    // An app's handler must not break the connection.
    if (typeof console !== 'undefined') console.error('interconnect ' + name + ' handler threw:', e)
  }
}

// fail calls obj.fail as the Vela grammar says, fail(data, code), where
// data also carries data and code (the send example reads data.code).
function fail (obj, code, message) {
  call(obj.fail, { data: message || '', code }, code)
  call(obj.complete)
}

function succeed (obj, value) {
  call(obj.success, value)
  call(obj.complete)
}

function call (fn, ...args) {
  if (typeof fn !== 'function') return
  try {
    fn(...args)
  } catch (e) {
    if (typeof console !== 'undefined') console.error('interconnect callback threw:', e)
  }
}

function remove (arr, v) {
  const i = arr.indexOf(v)
  if (i >= 0) arr.splice(i, 1)
}

function utf8Length (s) {
  return new TextEncoder().encode(s).length
}

function nodeWS () {
  try {
    return require('ws')
  } catch {
    throw new Error('@switchboard-iot/interconnect: no WebSocket; on Node 20 run with --experimental-websocket, install "ws", or pass config.WebSocket')
  }
}

// The signed text is defined once, in the Go package relay/proof (docs/protocol-interconnect.md);
// its tests pin this copy.
const PROOF_CONTEXT = 'switchboard interconnect proof v1\n'

// makeProof signs the relay's nonce when a key or signer is configured.
async function makeProof (cfg, nonce) {
  const msg = new Uint8Array([...new TextEncoder().encode(PROOF_CONTEXT), ...nonce])
  if (typeof cfg.sign === 'function') return new Uint8Array(await cfg.sign(msg))
  if (!cfg.privateKey) return null
  const crypto = require('node:crypto')
  const key = crypto.createPrivateKey(cfg.privateKey)
  const algo = key.asymmetricKeyType === 'ed25519' ? null : 'sha256'
  return new Uint8Array(crypto.sign(algo, msg, key))
}

function base64ToBytes (b64) {
  if (typeof Buffer !== 'undefined') return new Uint8Array(Buffer.from(b64, 'base64'))
  const bin = atob(b64)
  return Uint8Array.from(bin, (c) => c.charCodeAt(0))
}

function bytesToBase64 (bytes) {
  if (typeof Buffer !== 'undefined') return Buffer.from(bytes).toString('base64')
  let bin = ''
  for (const b of bytes) bin += String.fromCharCode(b)
  return btoa(bin)
}

const api = { instance, configure, createConnection, codes, makeProof }
api.default = api
module.exports = api
