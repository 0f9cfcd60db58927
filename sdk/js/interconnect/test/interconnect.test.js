'use strict'
// The @system.interconnect drop-in against a real Switchboard server; the
// phone app is the wear SDK of this repository.

const test = require('node:test')
const assert = require('node:assert/strict')
const interconnect = require('..')
const { Wearable, Permission } = require('../../wear')
const { start, world, eventually, queue, countingWebSocket } = require('./server.js')

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

test('refused credentials (4401): one onerror 1000 with relayCode, no reconnect, getReadyState fails 1006', async () => {
  const w = await world(server)
  const counter = countingWebSocket()
  const { conn, events } = watch(w, { passcode: 'WRONG', WebSocket: counter.WebSocket })
  const err = await events.next()
  assert.deepEqual(err, { event: 'onerror', code: 1000, data: 'bad did or passcode', relayCode: 4401 })
  const r = await call(conn, 'getReadyState')
  assert.equal(r.code, 1006)
  assert.equal((await call(conn, 'diagnosis', { timeout: 100 })).value.status, 1000)
  await quietFor(1000, () => assert.equal(counter.sockets, 1, 'the SDK reconnected after 4401'))
  assert.equal(events.length, 0, 'reported more than once')
})

test('replaced (4409): the older watch gets onclose 1001 and one onerror 1000, and stops; the newer stays paired', async () => {
  const w = await world(server)
  await Wearable.getNodeApi(phone(w)).getConnectedNodes()
  const counter = countingWebSocket()
  const older = watch(w, { WebSocket: counter.WebSocket })
  assert.equal((await older.events.next()).event, 'onopen')
  const newer = watch(w)
  assert.equal((await newer.events.next()).event, 'onopen')
  const reason = 'replaced by a newer connection of the same watch app'
  assert.deepEqual(await older.events.next(), { event: 'onclose', code: 1001, data: reason, relayCode: 4409 })
  assert.deepEqual(await older.events.next(), { event: 'onerror', code: 1000, data: reason, relayCode: 4409 })
  assert.equal((await call(older.conn, 'getReadyState')).code, 1006)
  assert.equal((await call(older.conn, 'send', { data: 1 })).code, 1006)
  assert.deepEqual((await call(older.conn, 'diagnosis', { timeout: 100 })).value, { status: 1000, data: reason })

  // Before the fix the two replaced each other every few milliseconds
  // here: for two seconds nothing registers again and the newer stays
  // paired.
  // The relay logs a registration just after its welcome: poll for it.
  await eventually(() => assert.equal(server.registrations({ role: 'watch', did: w.did }), 2))
  await quietFor(2000, async () => {
    assert.deepEqual(await call(newer.conn, 'getReadyState'), { ok: true, value: { status: 1 } })
    assert.equal(server.registrations({ role: 'watch', did: w.did }), 2, 'a watch session registered again')
    assert.equal(counter.sockets, 1, 'the replaced watch reconnected')
  })
  assert.equal(older.events.length, 0, 'the replaced watch reported more than once')
  assert.equal(newer.events.length, 0, 'the newer watch saw its pair change')
})

test('a final close after the welcome (4401: binding removed) is reported once and not retried', async () => {
  const w = await world(server)
  const counter = countingWebSocket()
  const { events } = watch(w, { WebSocket: counter.WebSocket })
  assert.equal((await events.next()).code, 1001) // no phone app yet: the relay welcomed it
  const res = await fetch(server.base + '/app/bindings', {
    method: 'DELETE',
    headers: { 'Content-Type': 'application/json', 'X-Gizwits-Application-Id': w.appId, 'X-Gizwits-User-token': w.token },
    body: JSON.stringify({ devices: [{ did: w.did }] })
  })
  assert.equal(res.status, 200, await res.text())
  assert.deepEqual(await events.next(), { event: 'onerror', code: 1000, data: 'device unbound', relayCode: 4401 })
  await quietFor(1000, () => assert.equal(counter.sockets, 1, 'the SDK reconnected after 4401'))
  assert.equal(events.length, 0, 'reported more than once')
})

test('the server going away (1001) is not final: onclose 1006, then the watch reconnects and reopens', async () => {
  const other = await start()
  try {
    const w = await world(other)
    const ctx = Wearable.createContext({ url: other.wsURL, appId: w.appId, token: w.token, package: w.package, certificate: w.certificate, minReconnectDelay: 20, maxReconnectDelay: 200 })
    opened.push(ctx)
    await Wearable.getNodeApi(ctx).getConnectedNodes()
    const conn = interconnect.createConnection({ url: other.wsURL, did: w.did, passcode: w.passcode, package: w.package, certificate: w.certificate, minReconnectDelay: 20, maxReconnectDelay: 200 })
    opened.push(conn)
    const events = queue()
    for (const name of ['onopen', 'onclose', 'onerror']) conn[name] = (data) => events.push({ event: name, ...data })
    assert.equal((await until(events, 'onopen')).isReconnected, false)
    await other.restart()
    assert.equal((await until(events, 'onclose')).code, 1006)
    assert.equal((await until(events, 'onerror')).code, 1006)
    assert.equal((await until(events, 'onopen')).isReconnected, true)
    await eventually(() => assert.equal(other.registrations({ role: 'watch', did: w.did }), 2))
  } finally {
    while (opened.length) opened.pop().close()
    await other.stop()
  }
})

// quietFor runs check every 50 ms for ms milliseconds: a condition that
// must hold throughout (nothing reconnects, nothing is reported).
async function quietFor (ms, check) {
  for (const deadline = Date.now() + ms; Date.now() < deadline;) {
    await check()
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  await check()
}

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
