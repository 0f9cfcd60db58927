'use strict'
// Starts a real Switchboard server for the SDK tests and prepares a user
// with a bound watch through the HTTP APIs, as an app developer would.
// SWITCHBOARD_BIN names a built binary; otherwise the test builds one.

const { spawn, execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const readline = require('node:readline')

const repoRoot = path.resolve(__dirname, '..', '..', '..', '..')
const fixtures = path.join(__dirname, 'fixtures')
const PACKAGE = 'com.example.pair'

function readFixture (name) {
  return fs.readFileSync(path.join(fixtures, name), 'utf8')
}

function binary (tmp) {
  if (process.env.SWITCHBOARD_BIN) return process.env.SWITCHBOARD_BIN
  const out = path.join(tmp, 'switchboard')
  execFileSync('go', ['build', '-o', out, './cmd/switchboard'], { cwd: repoRoot, stdio: 'inherit' })
  return out
}

// start runs `switchboard serve` on free loopback ports and resolves once
// the log line "switchboard started" names the HTTP address. restart()
// stops it (sessions see 1001) and runs it again on the same address and
// data.
async function start () {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-sdk-'))
  const adminToken = 'sdk-test-admin-token-0123456789'
  const bin = binary(tmp)
  const log = []
  const registered = [] // every "session registered" record, uncapped
  let { child, httpAddr } = await run(bin, tmp, adminToken, '127.0.0.1:0', log, registered)
  const base = 'http://' + httpAddr
  let stopping = false
  const stopChild = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      stopping = true
      const exited = new Promise((resolve) => child.on('exit', resolve))
      child.kill('SIGTERM')
      await exited
      stopping = false
    }
  }
  // An exit nobody asked for fails every later test with "fetch failed";
  // say so once, with the server's last words, so the cause is in the
  // test output.
  const watchExit = (c) => c.on('exit', (code, signal) => {
    if (!stopping) console.error('switchboard exited unexpectedly (code ' + code + ', signal ' + signal + '); last log lines:\n' + log.slice(-40).join('\n'))
  })
  watchExit(child)
  const server = {
    base,
    wsURL: 'ws://' + httpAddr + '/ws/interconnect/v1',
    log,
    async stop () {
      await stopChild()
      fs.rmSync(tmp, { recursive: true, force: true })
    },
    async restart () {
      await stopChild()
      ;({ child } = await run(bin, tmp, adminToken, httpAddr, log, registered))
      watchExit(child)
    },
    // registrations counts the relay's "session registered" log records
    // matching every field of match (role, did, uid ...): every successful
    // hello, so every (re)connection.
    registrations (match) {
      return registered.filter((rec) => Object.entries(match).every(([k, v]) => rec[k] === v)).length
    },
    admin: (method, p, body) => call(base + p, method, body, { Authorization: 'Bearer ' + adminToken })
  }
  return server
}

function run (bin, tmp, adminToken, addr, log, registered) {
  const child = spawn(bin, ['serve', '--data-dir', path.join(tmp, 'data'), '--http-addr', addr,
    '--mqtt-addr', '127.0.0.1:0', '--https-addr', '127.0.0.1:0', '--mqtts-addr', '127.0.0.1:0', '--admin-token', adminToken, '--log-format', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start:\n' + log.join('\n'))), 30000)
    for (const stream of [child.stdout, child.stderr]) {
      readline.createInterface({ input: stream }).on('line', (line) => {
        log.push(line)
        if (log.length > 2000) log.shift()
        try {
          const rec = JSON.parse(line)
          if (rec.msg === 'session registered') registered.push(rec)
          if (rec.msg === 'switchboard started') {
            clearTimeout(timer)
            resolve({ child, httpAddr: rec.http })
          }
        } catch {}
      })
    }
    child.on('exit', (code) => reject(new Error('server exited with ' + code + ':\n' + log.join('\n'))))
  })
}

// countingWebSocket is the platform's WebSocket, counting the sockets an
// SDK opens (config.WebSocket): every connection attempt.
function countingWebSocket () {
  const counter = { sockets: 0 }
  counter.WebSocket = class extends globalThis.WebSocket {
    constructor (...args) {
      super(...args)
      counter.sockets++
    }
  }
  return counter
}

async function call (url, method, body, headers) {
  const res = await fetch(url, {
    method,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body))
  })
  const text = await res.text()
  if (!res.ok) throw new Error(method + ' ' + url + ': ' + res.status + ' ' + text)
  return text ? JSON.parse(text) : null
}

let macCounter = 0

// world creates an app, a product, a user (POST /app/users) and a watch
// device bound to that user (POST /app/bindings), all over HTTP.
async function world (server) {
  const app = await server.admin('POST', '/admin/v1/apps', { name: 'sdk test' })
  const schema = fs.readFileSync(path.join(repoRoot, 'examples', 'products', 'demo-lamp.json'), 'utf8')
  let product
  try {
    product = await server.admin('POST', '/admin/v1/products', schema)
  } catch (e) {
    const list = await server.admin('GET', '/admin/v1/products')
    product = list.products[0]
  }
  const mac = 'aabbcc' + String(process.pid % 1000).padStart(3, '0') + String(++macCounter).padStart(3, '0')
  const passcode = 'WATCHPASS'
  const dev = await server.admin('POST', '/admin/v1/devices', { product_key: product.product_key, mac, passcode })
  const H = { 'X-Gizwits-Application-Id': app.appid }
  const user = await call(server.base + '/app/users', 'POST', { phone_id: 'sdk-' + process.pid + '-' + macCounter }, H)
  await call(server.base + '/app/bindings', 'POST', { devices: [{ did: dev.did, passcode }] },
    { ...H, 'X-Gizwits-User-token': user.token })
  return {
    appId: app.appid,
    uid: user.uid,
    token: user.token,
    did: dev.did,
    passcode,
    package: PACKAGE,
    certificate: readFixture('app-certificate.pem'),
    privateKey: readFixture('app-private.pem'),
    otherCertificate: readFixture('other-certificate.pem')
  }
}

// eventually polls cond (which throws until satisfied) every 10 ms.
async function eventually (cond, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      return await cond()
    } catch (e) {
      if (Date.now() > deadline) throw e
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }
}

// queue collects values pushed by callbacks; next() awaits the next one.
function queue () {
  const items = []
  const waiters = []
  return {
    push (v) {
      const w = waiters.shift()
      if (w) w(v)
      else items.push(v)
    },
    next (timeoutMs = 10000) {
      if (items.length) return Promise.resolve(items.shift())
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('nothing within ' + timeoutMs + ' ms')), timeoutMs)
        waiters.push((v) => { clearTimeout(t); resolve(v) })
      })
    },
    get length () { return items.length }
  }
}

module.exports = { start, world, eventually, queue, countingWebSocket, PACKAGE }
