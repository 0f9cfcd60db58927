'use strict'
// The @system.interconnect drop-in against a real Switchboard server; the
// phone app is the wear SDK of this repository.

const test = require('node:test')
const assert = require('node:assert/strict')
const interconnect = require('..')
const { Wearable, Permission } = require('../../wear')
const { start, world, eventually, queue } = require('./server.js')

let server
test.before(async () => { server = await start() })
test.after(async () => { await server.stop() })

const opened = []
test.afterEach(() => { while (opened.length) opened.pop().close() })

function watch (w, extra = {}) {
  const conn = interconnect.createConnection({
    url: server.wsURL, did: w.did, passcode: w.passcode, package: w.package, certificate: w.certificate,
    minReconnectDelay: 20, maxReconnectDelay: 200, ...extra
  })
  opened.push(conn)
  const events = queue()
  for (const name of ['onopen', 'onclose', 'onerror', 'onmessage']) conn[name] = (data) => events.push({ event: name, ...data })
  return { conn, events }
}

function phone (w, certificate = w.certificate) {
  const ctx = Wearable.createContext({ url: server.wsURL, appId: w.appId, token: w.token, package: w.package, certificate, minReconnectDelay: 20 })
  opened.push(ctx)
  return ctx
}

async function readyPhone (w) {
  const ctx = phone(w)
  const got = queue()
  await Wearable.getAuthApi(ctx).requestPermission(w.did, Permission.DEVICE_MANAGER)
  await Wearable.getMessageApi(ctx).addListener(w.did, (nodeId, bytes) => got.push({ nodeId, text: new TextDecoder().decode(bytes) }))
  return { ctx, got }
}

// call turns a Vela-style call into a promise of {ok, value} or {code, data}.
function call (conn, method, obj = {}) {
  return new Promise((resolve) => {
    conn[method]({
      ...obj,
      success: (value) => resolve({ ok: true, value }),
      fail: (data, code) => resolve({ ok: false, data, code })
    })
  })
}

async function until (events, name) {
  for (;;) {
    const e = await events.next()
    if (e.event === name) return e
  }
}

test('pairs, keeps order both ways, reports ready state and diagnosis 0', async () => {
  const w = await world(server)
  const { got, ctx } = await readyPhone(w)
  const { conn, events } = watch(w, { privateKey: w.privateKey })
  const open = await until(events, 'onopen')
  assert.equal(open.isReconnected, false)
  assert.deepEqual(await call(conn, 'getReadyState'), { ok: true, value: { status: 1 } })
  const diag = await call(conn, 'diagnosis', { timeout: 2000 })
  assert.equal(diag.value.status, 0)
  assert.match(conn.fingerprint, /^([0-9A-F]{2}:){19}[0-9A-F]{2}$/)

  for (let i = 0; i < 50; i++) {
    const r = await call(conn, 'send', { data: { seq: i, text: 'é' } })
    assert.equal(r.ok, true, JSON.stringify(r))
  }
  for (let i = 0; i < 50; i++) {
    const m = await got.next()
    assert.equal(m.nodeId, w.did)
    assert.deepEqual(JSON.parse(m.text), { seq: i, text: 'é' })
  }
  // Phone to watch: bytes arrive as the String onmessage documents.
  for (let i = 0; i < 20; i++) await Wearable.getMessageApi(ctx).sendMessage(w.did, new TextEncoder().encode('p' + i))
  for (let i = 0; i < 20; i++) {
    const m = await until(events, 'onmessage')
    assert.equal(m.data, 'p' + i)
  }
})

test('fingerprint mismatch refuses pairing: onerror 1000, state 2, diagnosis 1000', async () => {
  const w = await world(server)
  phone(w, w.otherCertificate)
  await Wearable.getNodeApi(opened[opened.length - 1]).getConnectedNodes() // the phone is connected
  const { conn, events } = watch(w)
  const err = await until(events, 'onerror')
  assert.equal(err.code, 1000)
  assert.match(err.data, /signature mismatch/)
  assert.deepEqual(await call(conn, 'getReadyState'), { ok: true, value: { status: 2 } })
  const diag = await call(conn, 'diagnosis', { timeout: 5000 })
  assert.equal(diag.value.status, 1000)
})

test('diagnosis: 1001 when the phone app was never installed, 204 when it does not connect in time', async () => {
  const w = await world(server)
  const { conn, events } = watch(w)
  assert.equal((await until(events, 'onerror')).code, 1001)
  assert.equal((await call(conn, 'diagnosis', { timeout: 3000 })).value.status, 1001)

  const ctx = phone(w)
  await Wearable.getNodeApi(ctx).getConnectedNodes()
  await until(events, 'onopen')
  ctx.close()
  const closed = await until(events, 'onclose')
  assert.equal(closed.code, 1000)
  const t0 = Date.now()
  assert.equal((await call(conn, 'diagnosis', { timeout: 200 })).value.status, 204)
  assert.ok(Date.now() - t0 >= 190, 'diagnosis answered 204 before its timeout')
})

test('send: 1006 while the phone app is disconnected, 1009 over the size limit, fail(data, code) shape', async () => {
  const w = await world(server)
  const { conn, events } = watch(w)
  await until(events, 'onerror') // 1001: no phone app yet
  const r = await call(conn, 'send', { data: { a: 1 } })
  assert.equal(r.code, 1006)
  assert.equal(r.data.code, 1006)
  assert.equal(typeof r.data.data, 'string')
  const big = await call(conn, 'send', { data: 'x'.repeat(conn.maxMessageBytes) }) // + 2 quotes
  assert.equal(big.code, 1009)
  const bad = await call(conn, 'send', { data: { big: 1n } })
  assert.equal(bad.code, 202)
})

test('reconnect: onclose 1000 when the phone app quits, onopen isReconnected true when it is back', async () => {
  const w = await world(server)
  const { events } = watch(w)
  const first = phone(w)
  await Wearable.getNodeApi(first).getConnectedNodes()
  assert.equal((await until(events, 'onopen')).isReconnected, false)
  first.close()
  assert.equal((await until(events, 'onclose')).code, 1000)
  const second = phone(w)
  await Wearable.getNodeApi(second).getConnectedNodes()
  assert.equal((await until(events, 'onopen')).isReconnected, true)
})

test('the watch link drops: onclose 1006, onerror 1006, then it reconnects and reopens', async () => {
  const w = await world(server)
  const ctx = phone(w)
  await Wearable.getNodeApi(ctx).getConnectedNodes()
  const { conn, events } = watch(w)
  await until(events, 'onopen')
  conn._ws.close(4000, 'simulated link loss') // what a dropped network does to the socket
  assert.equal((await until(events, 'onclose')).code, 1006)
  assert.equal((await until(events, 'onerror')).code, 1006)
  assert.equal((await until(events, 'onopen')).isReconnected, true)
  await eventually(async () => {
    const r = await call(conn, 'getReadyState')
    assert.equal(r.value.status, 1)
  })
})

test('refused credentials: onerror 1000, no reconnect loop, getReadyState fails 1006', async () => {
  const w = await world(server)
  const { conn, events } = watch(w, { passcode: 'WRONG' })
  const err = await until(events, 'onerror')
  assert.equal(err.code, 1000)
  assert.match(err.data, /passcode/)
  const r = await call(conn, 'getReadyState')
  assert.equal(r.code, 1006)
  assert.equal((await call(conn, 'diagnosis', { timeout: 100 })).value.status, 1000)
})

test('onOpen (the English example spelling) works when onopen is not set; instance() is a singleton', async () => {
  const w = await world(server)
  interconnect.configure({ url: server.wsURL, did: w.did, passcode: w.passcode, package: w.package, certificate: w.certificate })
  const conn = interconnect.instance()
  opened.push(conn)
  assert.equal(interconnect.instance(), conn)
  const got = queue()
  conn.onOpen = (data) => got.push(data)
  const ctx = phone(w)
  await Wearable.getNodeApi(ctx).getConnectedNodes()
  assert.deepEqual(await got.next(), { isReconnected: false })
})
