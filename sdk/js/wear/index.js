'use strict'
/*
 * @switchboard-iot/wear: the phone side of a watch quick app, with the
 * shape of the Xiaomi Wear third-party SDK (com.xiaomi.xms.wearable 1.4):
 * Wearable.getNodeApi / getAuthApi / getMessageApi / getServiceApi, Tasks,
 * Permission, Status codes 0 to -8, one message listener. It talks to a
 * Switchboard relay (/ws/interconnect/v1) as an app user; see
 * docs/protocol-interconnect.md for every code and decision.
 *
 *   const { Wearable, Permission } = require('@switchboard-iot/wear')
 *   const ctx = Wearable.createContext({ url, appId, token, package, certificate })
 *   const [node] = await Wearable.getNodeApi(ctx).getConnectedNodes()
 *   await Wearable.getAuthApi(ctx).requestPermission(node.id, Permission.DEVICE_MANAGER)
 *   await Wearable.getMessageApi(ctx).addListener(node.id, (nodeId, bytes) => {})
 *   await Wearable.getMessageApi(ctx).sendMessage(node.id, new TextEncoder().encode('hi'))
 */

// Status is com.xiaomi.xms.wearable.Status, plus -9 (Switchboard: message
// too large).
const Status = Object.freeze({
  RESULT_SUCCESS: 0,
  RESULT_CANCELLED: -1,
  RESULT_TIMEOUT: -2,
  RESULT_INTERRUPTED: -3,
  RESULT_DISCONNECTED: -4,
  RESULT_PACKAGE_NOT_INSTALLED: -5,
  RESULT_SIGNATURE_VERIFY_FAILED: -6,
  RESULT_PERMISSION_DENIED: -7,
  RESULT_APP_NOT_INSTALLED: -8,
  RESULT_MESSAGE_TOO_LARGE: -9
})

// Permission values are the SDK's wire names.
const Permission = Object.freeze({ DEVICE_MANAGER: 'data_manager', NOTIFY: 'notify' })

// DataItem: only ITEM_CONNECTION is served by the relay (the watch app's
// connection to it).
const DataItem = Object.freeze({ ITEM_CONNECTION: 1, ITEM_CHARGING: 2, ITEM_SLEEP: 3, ITEM_WEARING: 4, ITEM_BATTERY: 5 })

// The relay's close codes 4400-4499 end a session for good (bad hello,
// bad or revoked credentials, forbidden, no hello in time, 4409 replaced by
// a newer session of the same app): reconnecting cannot help, and after
// 4409 it would take the session back from the newer one, which would then
// do the same, for ever.
const CLOSE_REPLACED = 4409
function isFinalClose (code) {
  return code >= 4400 && code <= 4499
}
const SERVICE_API_LEVEL = 1

class WearableException extends Error {
  constructor (code, message) {
    super(message)
    this.name = 'WearableException'
    this.code = code
  }

  getCode () { return this.code }
}
class DeviceDisconnectedException extends WearableException {}
class AppNotInstalledException extends WearableException {}
class SignatureVerifyFailedException extends WearableException {}
class PermissionDeniedException extends WearableException {}
class MessageTooLargeException extends WearableException {}

// exceptionFor builds what the AAR's ExceptionUtil throws for a code.
function exceptionFor (code, op, detail) {
  const named = {
    [-4]: [DeviceDisconnectedException, 'device disconnected'],
    [-5]: [AppNotInstalledException, 'app not installed'],
    [-6]: [SignatureVerifyFailedException, 'fingerprint verify failed'],
    [-7]: [PermissionDeniedException, 'permission denied'],
    [-9]: [MessageTooLargeException, 'message too large']
  }[code]
  const [Cls, text] = named || [WearableException, op + ' failed']
  const e = new Cls(code, detail ? text + ': ' + detail : text)
  e.name = Cls.name
  return e
}

// Task is the SDK's Task<T>: listeners as in Java, and a thenable so it
// can be awaited.
class Task {
  constructor (promise) {
    this._done = false
    this._ok = false
    this._result = undefined
    this._error = undefined
    this._promise = promise.then(
      (v) => { this._done = true; this._ok = true; this._result = v; return v },
      (e) => { this._done = true; this._error = e; throw e })
    this._promise.catch(() => {}) // a failure seen only through listeners is not unhandled
  }

  then (a, b) { return this._promise.then(a, b) }
  catch (b) { return this._promise.catch(b) }
  addOnSuccessListener (fn) { this._promise.then(fn, () => {}); return this }
  addOnFailureListener (fn) { this._promise.catch(fn); return this }
  addOnCompleteListener (fn) { this._promise.then(() => fn(this), () => fn(this)); return this }
  isComplete () { return this._done }
  isSuccessful () { return this._ok }
  getResult () {
    if (!this._done) throw new Error('Task is not yet complete')
    if (!this._ok) throw this._error
    return this._result
  }

  getException () { return this._error || null }
}

// Context holds the one relay connection of a phone app process.
class Context {
  constructor (config) {
    if (!config || !config.url) throw new Error('@switchboard-iot/wear: createContext needs url, appId, token, package, certificate')
    this._cfg = { minReconnectDelay: 500, maxReconnectDelay: 10000, requestTimeout: 15000, ...config }
    this._ws = null
    this._up = false
    this._closed = false
    this._fatal = null // {relayCode, message} once the relay ended us for good
    this._pending = new Map()
    this._nextId = 1
    this._waiters = []
    this._delay = this._cfg.minReconnectDelay
    this._listener = null // {nodeId, fn}
    this._subs = new Map() // nodeId -> listener (ITEM_CONNECTION)
    this._serviceListeners = new Set()
    this.fingerprint = undefined
  }

  // close ends the connection; pending Tasks fail with RESULT_CANCELLED.
  close () {
    this._closed = true
    clearTimeout(this._timer)
    if (this._ws) this._ws.close(1000, 'closed by the app')
    this._failPending(Status.RESULT_CANCELLED, 'cancelled')
    this._waiters.splice(0).forEach((w) => { clearTimeout(w.timer); w.reject(exceptionFor(Status.RESULT_CANCELLED, 'connect')) })
  }

  _connect () {
    if (this._ws || this._closed || this._fatal) return
    const WS = this._cfg.WebSocket || globalThis.WebSocket || nodeWS()
    let ws
    try {
      ws = new WS(this._cfg.url)
    } catch (e) {
      this._ws = null
      return this._lost(1006, e.message)
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

  // _ready resolves once the relay welcomed us, connecting if needed; the
  // relay unreachable fails with RESULT_APP_NOT_INSTALLED (-8), the
  // counterpart of "the Xiaomi companion app is not installed".
  _ready () {
    if (this._up) return Promise.resolve()
    if (this._closed) return Promise.reject(exceptionFor(Status.RESULT_CANCELLED, 'connect', 'the context is closed'))
    if (this._fatal) return Promise.reject(this._fatalError('connect'))
    return new Promise((resolve, reject) => {
      const w = { resolve, reject }
      w.timer = setTimeout(() => {
        this._waiters = this._waiters.filter((x) => x !== w)
        reject(exceptionFor(Status.RESULT_APP_NOT_INSTALLED, 'connect', 'the relay cannot be reached'))
      }, this._cfg.requestTimeout)
      this._waiters.push(w)
      this._connect()
    })
  }

  _frame (ws, raw) {
    let f
    try { f = JSON.parse(String(raw)) } catch { return }
    switch (f.type) {
      case 'challenge':
        this._hello(ws, f.nonce).catch((e) => { this._fatal = { relayCode: null, message: 'cannot sign the proof: ' + e.message }; ws.close(1000) })
        break
      case 'welcome':
        this._up = true
        this._delay = this._cfg.minReconnectDelay
        this.fingerprint = f.fingerprint
        this.userId = f.user_id
        this._waiters.splice(0).forEach((w) => { clearTimeout(w.timer); w.resolve() })
        this._restore()
        for (const l of this._serviceListeners) safe(l.onServiceConnected, l)
        break
      case 'fatal':
        // The close with this code follows; keep the untruncated message.
        if (isFinalClose(f.code) && !this._fatal) this._fatal = { relayCode: f.code, message: f.message }
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
      case 'message':
        if (this._listener && this._listener.nodeId === f.node) {
          const bytes = new TextEncoder().encode(f.data)
          const l = this._listener.fn
          if (typeof l === 'function') safe(l, null, f.node, bytes)
          else if (l && typeof l.onMessageReceived === 'function') safe(l.onMessageReceived, l, f.node, bytes)
        }
        break
      case 'node': {
        const l = this._subs.get(f.node)
        const result = { connectedStatus: f.connected ? 1 : 2, getConnectedStatus () { return this.connectedStatus } }
        if (typeof l === 'function') safe(l, null, f.node, DataItem.ITEM_CONNECTION, result)
        else if (l && typeof l.onDataChanged === 'function') safe(l.onDataChanged, l, f.node, DataItem.ITEM_CONNECTION, result)
        break
      }
    }
  }

  async _hello (ws, nonceB64) {
    const c = this._cfg
    const hello = { type: 'hello', role: 'phone', package: c.package, certificate: c.certificate, appid: c.appId, token: c.token }
    const proof = await makeProof(c, base64ToBytes(nonceB64))
    if (proof) hello.proof = bytesToBase64(proof)
    if (this._ws === ws) ws.send(JSON.stringify(hello))
  }

  // _restore re-registers the listener after a reconnection, so the app
  // keeps receiving without calling addListener again.
  _restore () {
    if (this._listener) this._call({ type: 'listen', node: this._listener.nodeId }).catch(() => {})
  }

  // _lost handles the socket ending: a dropped link reconnects with
  // backoff; a final close from the relay stops the context, fails what is
  // pending and waiting with the final exception, and tells the service
  // listeners once, passing that exception (onServiceDisconnected(e)).
  _lost (code, reason) {
    const wasUp = this._up
    this._ws = null
    this._up = false
    if (!this._closed && isFinalClose(code) && !this._fatal) this._fatal = { relayCode: code, message: reason || 'ended by the relay (' + code + ')' }
    const final = !this._closed && this._fatal
    if (final) this._failPending(this._fatalStatus(), this._fatal.message, this._fatal.relayCode)
    else this._failPending(Status.RESULT_INTERRUPTED, 'the link to the relay was lost')
    if (wasUp) for (const l of this._serviceListeners) safe(l.onServiceDisconnected, l, ...(final ? [this._fatalError('connection')] : []))
    if (this._closed) return
    if (final) {
      this._waiters.splice(0).forEach((w) => { clearTimeout(w.timer); w.reject(this._fatalError('connect')) })
      return
    }
    this._timer = setTimeout(() => this._connect(), this._delay)
    this._delay = Math.min(this._delay * 2, this._cfg.maxReconnectDelay)
  }

  // _fatalError is the exception for a context the relay ended for good:
  // RESULT_CANCELLED when a newer session of the same app replaced it (as
  // if the context had been closed), else RESULT_APP_NOT_INSTALLED (the
  // relay refused the app); relayCode is the relay's close code.
  _fatalError (op) {
    return withRelayCode(exceptionFor(this._fatalStatus(), op, this._fatal.message), this._fatal.relayCode)
  }

  _fatalStatus () {
    return this._fatal.relayCode === CLOSE_REPLACED ? Status.RESULT_CANCELLED : Status.RESULT_APP_NOT_INSTALLED
  }

  _failPending (code, message, relayCode) {
    for (const [id, p] of this._pending) {
      clearTimeout(p.timer)
      p.resolve({ code, message, relayCode })
      this._pending.delete(id)
    }
  }

  // _call sends a request and resolves with the result frame or rejects
  // with the exception for its code.
  async _call (frame, op) {
    await this._ready()
    const r = await new Promise((resolve) => {
      const id = this._nextId++
      const timer = setTimeout(() => {
        this._pending.delete(id)
        resolve({ code: Status.RESULT_TIMEOUT, message: 'no answer from the relay in time' })
      }, this._cfg.requestTimeout)
      this._pending.set(id, { resolve, timer })
      try {
        this._ws.send(JSON.stringify({ ...frame, id }))
      } catch (e) {
        this._pending.delete(id)
        clearTimeout(timer)
        resolve({ code: Status.RESULT_INTERRUPTED, message: e.message })
      }
    })
    if (r.code !== 0) throw withRelayCode(exceptionFor(r.code, op || frame.type, r.message), r.relayCode)
    return r
  }
}

class NodeApi {
  constructor (ctx) { this._ctx = ctx }
  /** Task<Node[]>: {id, name} of the watches with a watch app connected. */
  getConnectedNodes () { return new Task(this._ctx._call({ type: 'nodes' }, 'getConnectedNodes').then((r) => r.nodes || [])) }
  /** Task<boolean>; needs DEVICE_MANAGER. */
  isWearAppInstalled (nodeId) { return new Task(this._ctx._call({ type: 'installed', node: nodeId }, 'isWearAppInstalled').then((r) => !!r.installed)) }
  /** Not offered by the relay: the watch app is started on the watch. */
  launchWearApp (nodeId, uri) {
    return new Task(Promise.reject(exceptionFor(Status.RESULT_CANCELLED, 'launchWearApp', 'not supported by the Switchboard relay; start the watch app on the watch')))
  }

  /** Task<void>; only DataItem.ITEM_CONNECTION (the watch app's link). */
  subscribe (nodeId, dataItem, listener) {
    if (dataItem !== DataItem.ITEM_CONNECTION) {
      return new Task(Promise.reject(exceptionFor(Status.RESULT_CANCELLED, 'subscribe', 'only ITEM_CONNECTION is supported')))
    }
    return new Task(this._ctx._call({ type: 'check_permissions', node: nodeId, permissions: [Permission.DEVICE_MANAGER] }, 'subscribe').then((r) => {
      if (!r.granted || !r.granted[0]) throw exceptionFor(Status.RESULT_PERMISSION_DENIED, 'subscribe')
      this._ctx._subs.set(nodeId, listener)
    }))
  }

  unsubscribe (nodeId, dataItem) {
    this._ctx._subs.delete(nodeId)
    return new Task(Promise.resolve())
  }
}

class AuthApi {
  constructor (ctx) { this._ctx = ctx }
  /** Task<boolean> */
  checkPermission (nodeId, permission) {
    return new Task(this._ctx._call({ type: 'check_permissions', node: nodeId, permissions: [permission] }, 'checkPermission').then((r) => !!r.granted[0]))
  }

  /** Task<boolean[]> */
  checkPermissions (nodeId, permissions) {
    return new Task(this._ctx._call({ type: 'check_permissions', node: nodeId, permissions }, 'checkPermissions').then((r) => r.granted))
  }

  /** Task<Permission[]>: the user is the caller, so the relay grants at once. */
  requestPermission (nodeId, ...permissions) {
    const perms = permissions.flat()
    return new Task(this._ctx._call({ type: 'request_permissions', node: nodeId, permissions: perms }, 'requestPermission').then((r) => r.permissions || []))
  }
}

class MessageApi {
  constructor (ctx) { this._ctx = ctx }
  /** Task<void>: the relay took the message (not: the watch app read it). */
  sendMessage (nodeId, message) {
    const text = typeof message === 'string' ? message : new TextDecoder().decode(message)
    return new Task(this._ctx._call({ type: 'send', node: nodeId, data: text }, 'sendMessage').then(() => undefined))
  }

  /** One listener per process, as in the SDK; listener(nodeId, bytes) or {onMessageReceived}. */
  addListener (nodeId, listener) {
    const ctx = this._ctx
    if (ctx._listener) return new Task(Promise.reject(new Error('you have registered')))
    ctx._listener = { nodeId, fn: listener }
    return new Task(ctx._call({ type: 'listen', node: nodeId }, 'addListener').then(() => undefined, (e) => {
      if (ctx._listener && ctx._listener.fn === listener) ctx._listener = null
      throw e
    }))
  }

  removeListener (nodeId) {
    const ctx = this._ctx
    if (!ctx._listener) return new Task(Promise.reject(new Error('you have not registered')))
    const node = ctx._listener.nodeId
    ctx._listener = null
    return new Task(ctx._call({ type: 'unlisten', node }, 'removeListener').then(() => undefined))
  }
}

class ServiceApi {
  constructor (ctx) { this._ctx = ctx }
  getServiceApiLevel () { return new Task(Promise.resolve(SERVICE_API_LEVEL)) }
  /** {onServiceConnected(), onServiceDisconnected()}: the link to the relay. */
  registerServiceConnectionListener (listener) {
    this._ctx._serviceListeners.add(listener)
    if (this._ctx._up) safe(listener.onServiceConnected, listener)
    else this._ctx._ready().catch(() => {})
  }

  unregisterServiceConnectionListener (listener) { this._ctx._serviceListeners.delete(listener) }
}

const Wearable = Object.freeze({
  createContext: (config) => new Context(config),
  getNodeApi: (ctx) => new NodeApi(ctx),
  getAuthApi: (ctx) => new AuthApi(ctx),
  getMessageApi: (ctx) => new MessageApi(ctx),
  getServiceApi: (ctx) => new ServiceApi(ctx)
})

// withRelayCode marks an exception caused by the relay ending the context
// for good with its close code (4401, 4409 ...), a Switchboard addition.
function withRelayCode (e, relayCode) {
  if (typeof relayCode === 'number') e.relayCode = relayCode
  return e
}

function safe (fn, self, ...args) {
  if (typeof fn !== 'function') return
  try {
    fn.apply(self, args)
  } catch (e) {
    if (typeof console !== 'undefined') console.error('wear listener threw:', e)
  }
}

function nodeWS () {
  try {
    return require('ws')
  } catch {
    throw new Error('@switchboard-iot/wear: no WebSocket; on Node 20 run with --experimental-websocket, install "ws", or pass config.WebSocket')
  }
}

// The signed text is defined once, in the Go package relay/proof (docs/protocol-interconnect.md);
// its tests pin this copy.
const PROOF_CONTEXT = 'switchboard interconnect proof v1\n'

async function makeProof (cfg, nonce) {
  const msg = new Uint8Array([...new TextEncoder().encode(PROOF_CONTEXT), ...nonce])
  if (typeof cfg.sign === 'function') return new Uint8Array(await cfg.sign(msg))
  if (!cfg.privateKey) return null
  const crypto = require('node:crypto')
  const key = crypto.createPrivateKey(cfg.privateKey)
  return new Uint8Array(crypto.sign(key.asymmetricKeyType === 'ed25519' ? null : 'sha256', msg, key))
}

function base64ToBytes (b64) {
  if (typeof Buffer !== 'undefined') return new Uint8Array(Buffer.from(b64, 'base64'))
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))
}

function bytesToBase64 (bytes) {
  if (typeof Buffer !== 'undefined') return Buffer.from(bytes).toString('base64')
  let bin = ''
  for (const b of bytes) bin += String.fromCharCode(b)
  return btoa(bin)
}

module.exports = {
  Wearable,
  Permission,
  Status,
  DataItem,
  Task,
  WearableException,
  DeviceDisconnectedException,
  AppNotInstalledException,
  SignatureVerifyFailedException,
  PermissionDeniedException,
  MessageTooLargeException
}
