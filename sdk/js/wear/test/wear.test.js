'use strict'
// The Xiaomi Wear-shaped phone SDK against a real Switchboard server; the
// watch app is the @system.interconnect drop-in of this repository.

const test = require('node:test')
const assert = require('node:assert/strict')
const wear = require('..')
const { Wearable, Permission, Status, DataItem, Task } = wear
const interconnect = require('../../interconnect')
const { start, world, eventually, queue, countingWebSocket } = require('../../interconnect/test/server.js')

let server
test.before(async () => { server = await start() })
test.after(async () => { await server.stop() })

const opened = []
test.afterEach(() => { while (opened.length) opened.pop().close() })

function context (w, extra = {}) {
  const ctx = Wearable.createContext({ url: server.wsURL, appId: w.appId, token: w.token, package: w.package, certificate: w.certificate, minReconnectDelay: 20, ...extra })
  opened.push(ctx)
  return ctx
}

function watch (w) {
  const conn = interconnect.createConnection({ url: server.wsURL, did: w.did, passcode: w.passcode, package: w.package, certificate: w.certificate, minReconnectDelay: 20 })
  opened.push(conn)
  const events = queue()
  for (const name of ['onopen', 'onclose', 'onerror', 'onmessage']) conn[name] = (data) => events.push({ event: name, ...data })
  return { conn, events }
}

async function until (events, name) {
  for (;;) {
    const e = await events.next()
    if (e.event === name) return e
  }
}

// failure awaits a Task expected to fail and returns its exception.
async function failure (task) {
  try {
    await task
  } catch (e) {
    return e
  }
  assert.fail('the task succeeded')
}

test('bring-up order of the SDK docs: nodes, permission, installed, listener, send; messages both ways', async () => {
  const w = await world(server)
  const { conn, events } = watch(w)
  const ctx = context(w, { privateKey: w.privateKey })
  const nodes = await Wearable.getNodeApi(ctx).getConnectedNodes()
  assert.deepEqual(nodes.map((n) => n.id), [w.did])
  assert.equal(typeof nodes[0].name, 'string')

  const granted = await Wearable.getAuthApi(ctx).requestPermission(w.did, Permission.DEVICE_MANAGER)
  assert.deepEqual(granted, ['data_manager'])
  // The first grant gives NOTIFY too, as the Xiaomi SDK does.
  assert.deepEqual(await Wearable.getAuthApi(ctx).checkPermissions(w.did, [Permission.DEVICE_MANAGER, Permission.NOTIFY]), [true, true])
  assert.equal(await Wearable.getAuthApi(ctx).checkPermission(w.did, Permission.NOTIFY), true)
  assert.equal(await Wearable.getNodeApi(ctx).isWearAppInstalled(w.did), true)
  assert.equal(await Wearable.getServiceApi(ctx).getServiceApiLevel(), 1)

  const got = queue()
  await Wearable.getMessageApi(ctx).addListener(w.did, { onMessageReceived: (nodeId, bytes) => got.push({ nodeId, bytes }) })
  await until(events, 'onopen')
  conn.send({ data: { hello: 'phone' } })
  const m = await got.next()
  assert.equal(m.nodeId, w.did)
  assert.ok(m.bytes instanceof Uint8Array)
  assert.deepEqual(JSON.parse(new TextDecoder().decode(m.bytes)), { hello: 'phone' })

  const task = Wearable.getMessageApi(ctx).sendMessage(w.did, new TextEncoder().encode('{"hi":"watch"}'))
  const seen = queue()
  task.addOnSuccessListener(() => seen.push('success')).addOnCompleteListener((t) => seen.push(t.isSuccessful()))
  await task
  assert.deepEqual([await seen.next(), await seen.next()], ['success', true])
  assert.equal(task.isComplete(), true)
  assert.equal((await until(events, 'onmessage')).data, '{"hi":"watch"}')
})

test('result codes: -7 without permission or for another user\'s watch, -5 app not installed, -4 disconnected, -6 fingerprint, -9 too large', async () => {
  const w = await world(server)
  const other = await world(server) // another user with another watch
  const ctx = context(w)
  const e7 = await failure(Wearable.getMessageApi(ctx).sendMessage(w.did, 'x'))
  assert.equal(e7.code, Status.RESULT_PERMISSION_DENIED)
  assert.equal(e7.name, 'PermissionDeniedException')
  assert.equal((await failure(Wearable.getAuthApi(ctx).requestPermission(other.did, Permission.DEVICE_MANAGER))).code, -7)

  await Wearable.getAuthApi(ctx).requestPermission(w.did, Permission.DEVICE_MANAGER)
  assert.equal(await Wearable.getNodeApi(ctx).isWearAppInstalled(w.did), false)
  const e5 = await failure(Wearable.getMessageApi(ctx).sendMessage(w.did, 'x'))
  assert.equal(e5.code, Status.RESULT_PACKAGE_NOT_INSTALLED)
  assert.equal(e5.name, 'AppNotInstalledException')

  const { conn, events } = watch(w)
  await until(events, 'onopen')
  const e9 = await failure(Wearable.getMessageApi(ctx).sendMessage(w.did, 'x'.repeat(16385)))
  assert.equal(e9.code, Status.RESULT_MESSAGE_TOO_LARGE)
  conn.close()
  // Polled: the relay learns of the watch app leaving asynchronously.
  await waitFor(async () => {
    const e = await failure(Wearable.getMessageApi(ctx).sendMessage(w.did, 'x'))
    assert.equal(e.code, Status.RESULT_DISCONNECTED)
    assert.equal(e.name, 'DeviceDisconnectedException')
    assert.equal(e.message.startsWith('device disconnected'), true)
  })

  // Same package, other certificate: -6 on node calls.
  const wrong = context(w, { certificate: w.otherCertificate })
  const e6 = await failure(Wearable.getAuthApi(wrong).requestPermission(w.did, Permission.DEVICE_MANAGER))
  assert.equal(e6.code, Status.RESULT_SIGNATURE_VERIFY_FAILED)
  assert.equal(e6.name, 'SignatureVerifyFailedException')
  assert.match(e6.message, /fingerprint verify failed/)
})

test('one listener per process: a second addListener fails "you have registered"; removeListener without one fails', async () => {
  const w = await world(server)
  const ctx = context(w)
  await Wearable.getAuthApi(ctx).requestPermission(w.did, Permission.DEVICE_MANAGER)
  const api = Wearable.getMessageApi(ctx)
  await api.addListener(w.did, () => {})
  assert.match((await failure(api.addListener(w.did, () => {}))).message, /you have registered/)
  await api.removeListener(w.did)
  assert.match((await failure(api.removeListener(w.did))).message, /you have not registered/)
})

test('-8 when the relay refuses the app (bad token); -1 for pending calls on close; Task getters', async () => {
  const w = await world(server)
  const bad = context(w, { token: '0123456789abcdef0123456789abcdef' })
  const task = Wearable.getNodeApi(bad).getConnectedNodes()
  const e = await failure(task)
  assert.equal(e.code, Status.RESULT_APP_NOT_INSTALLED)
  assert.equal(task.isComplete(), true)
  assert.equal(task.isSuccessful(), false)
  assert.equal(task.getException(), e)
  assert.throws(() => task.getResult())

  const ctx = context(w)
  const pending = Wearable.getNodeApi(ctx).getConnectedNodes()
  ctx.close()
  assert.equal((await failure(pending)).code, Status.RESULT_CANCELLED)
  assert.ok(pending instanceof Task)
})

test('replaced (4409): the older context tells its service listener once, fails calls -1 with relayCode, never reconnects', async () => {
  const w = await world(server)
  const counter = countingWebSocket()
  const older = context(w, { WebSocket: counter.WebSocket })
  const service = queue()
  Wearable.getServiceApi(older).registerServiceConnectionListener({
    onServiceConnected: () => service.push({ event: 'connected' }),
    onServiceDisconnected: (e) => service.push({ event: 'disconnected', e })
  })
  assert.equal((await service.next()).event, 'connected')
  const newer = context(w)
  await Wearable.getNodeApi(newer).getConnectedNodes()
  const reason = 'replaced by a newer connection of the same phone app'
  const { event, e } = await service.next()
  assert.equal(event, 'disconnected')
  assert.equal(e.code, Status.RESULT_CANCELLED)
  assert.equal(e.relayCode, 4409)
  assert.match(e.message, new RegExp(reason))
  const failed = await failure(Wearable.getNodeApi(older).getConnectedNodes())
  assert.equal(failed.code, Status.RESULT_CANCELLED)
  assert.equal(failed.relayCode, 4409)

  // For two seconds: the older opens no socket, nothing registers again,
  // the newer keeps working.
  const phones = () => server.registrations({ role: 'phone', uid: w.uid })
  await eventually(() => assert.equal(phones(), 2)) // logged just after the welcome
  await quietFor(2000, async () => {
    await Wearable.getNodeApi(newer).getConnectedNodes()
    assert.equal(phones(), 2, 'a phone session registered again')
    assert.equal(counter.sockets, 1, 'the replaced context reconnected')
  })
  assert.equal(service.length, 0, 'the service listener was told more than once')
})

test('refused token (4401) is final: one socket, -8 with relayCode on every call', async () => {
  const w = await world(server)
  const counter = countingWebSocket()
  const bad = context(w, { token: '0123456789abcdef0123456789abcdef', WebSocket: counter.WebSocket })
  for (let i = 0; i < 3; i++) {
    const e = await failure(Wearable.getNodeApi(bad).getConnectedNodes())
    assert.equal(e.code, Status.RESULT_APP_NOT_INSTALLED)
    assert.equal(e.relayCode, 4401)
    assert.match(e.message, /bad appid or token/)
  }
  await quietFor(500, () => assert.equal(counter.sockets, 1, 'the SDK reconnected after 4401'))
})

test('a revoked token (4401 after the welcome) is final: the service listener is told once, no reconnect', async () => {
  const w = await world(server)
  const counter = countingWebSocket()
  const ctx = context(w, { WebSocket: counter.WebSocket })
  const service = queue()
  Wearable.getServiceApi(ctx).registerServiceConnectionListener({
    onServiceConnected: () => service.push({ event: 'connected' }),
    onServiceDisconnected: (e) => service.push({ event: 'disconnected', e })
  })
  assert.equal((await service.next()).event, 'connected')
  await server.admin('DELETE', '/admin/v1/users/' + w.uid + '/tokens')
  const { event, e } = await service.next()
  assert.equal(event, 'disconnected')
  assert.equal(e.relayCode, 4401)
  assert.equal(e.code, Status.RESULT_APP_NOT_INSTALLED)
  const failed = await failure(Wearable.getNodeApi(ctx).getConnectedNodes())
  assert.equal(failed.relayCode, 4401)
  await quietFor(1000, () => assert.equal(counter.sockets, 1, 'the SDK reconnected after 4401'))
  assert.equal(service.length, 0, 'the service listener was told more than once')
})

test('the server going away (1001) is not final: the context reconnects and keeps its listener', async () => {
  const other = await start()
  try {
    const w = await world(other)
    const ctx = Wearable.createContext({ url: other.wsURL, appId: w.appId, token: w.token, package: w.package, certificate: w.certificate, minReconnectDelay: 20, maxReconnectDelay: 200 })
    opened.push(ctx)
    const service = queue()
    Wearable.getServiceApi(ctx).registerServiceConnectionListener({
      onServiceConnected: () => service.push('connected'),
      onServiceDisconnected: (e) => service.push(e === undefined ? 'disconnected' : 'final')
    })
    assert.equal(await service.next(), 'connected')
    await other.restart()
    assert.equal(await service.next(), 'disconnected')
    assert.equal(await service.next(), 'connected')
    await eventually(() => assert.equal(other.registrations({ role: 'phone', uid: w.uid }), 2))
    await Wearable.getNodeApi(ctx).getConnectedNodes()
  } finally {
    while (opened.length) opened.pop().close()
    await other.stop()
  }
})

test('node connection subscription and service listener follow the watch app and the relay link', async () => {
  const w = await world(server)
  const ctx = context(w)
  const service = queue()
  Wearable.getServiceApi(ctx).registerServiceConnectionListener({
    onServiceConnected: () => service.push('connected'),
    onServiceDisconnected: () => service.push('disconnected')
  })
  assert.equal(await service.next(), 'connected')
  await Wearable.getAuthApi(ctx).requestPermission(w.did, Permission.DEVICE_MANAGER)
  const changes = queue()
  await Wearable.getNodeApi(ctx).subscribe(w.did, DataItem.ITEM_CONNECTION, (nodeId, item, result) => changes.push({ nodeId, item, status: result.connectedStatus }))
  const { conn } = watch(w)
  assert.deepEqual(await changes.next(), { nodeId: w.did, item: DataItem.ITEM_CONNECTION, status: 1 })
  conn.close()
  assert.deepEqual(await changes.next(), { nodeId: w.did, item: DataItem.ITEM_CONNECTION, status: 2 })

  // The relay link drops and comes back: the listener is told both, and
  // the message listener is re-registered without the app's help.
  const got = queue()
  await Wearable.getMessageApi(ctx).addListener(w.did, (nodeId, bytes) => got.push(new TextDecoder().decode(bytes)))
  ctx._ws.close(4000, 'simulated link loss')
  assert.equal(await service.next(), 'disconnected')
  assert.equal(await service.next(), 'connected')
  const again = watch(w)
  await until(again.events, 'onopen')
  again.conn.send({ data: 'after' })
  assert.equal(await got.next(), '"after"')
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

async function waitFor (fn, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      return await fn()
    } catch (e) {
      if (Date.now() > deadline) throw e
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }
}
