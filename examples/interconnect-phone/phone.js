'use strict'
// The phone app of the step-counter pair, written against the Xiaomi Wear
// SDK's API (here @switchboard-iot/wear): find the watch, get permission,
// check the watch app is installed, listen, and answer every step report.
//
//   node --experimental-websocket examples/interconnect-phone/phone.js \
//     --url ws://localhost:8080/ws/interconnect/v1 --appid $APPID --token $TOKEN [--count 5]
//
// It exits after answering --count reports.
const fs = require('node:fs')
const path = require('node:path')
const { parseArgs } = require('node:util')
const { Wearable, Permission } = require('../../sdk/js/wear')

const { values: args } = parseArgs({
  options: {
    url: { type: 'string', default: 'ws://localhost:8080/ws/interconnect/v1' },
    appid: { type: 'string' },
    token: { type: 'string' },
    package: { type: 'string', default: 'com.example.steps' },
    count: { type: 'string', default: '5' }
  }
})
if (!args.appid || !args.token) {
  console.error('usage: phone.js --appid <appid> --token <user token> [--url ws://...] [--count n]')
  process.exit(2)
}

// The Android app is signed with the same certificate as the quick app.
const sign = path.join(__dirname, '..', 'interconnect-watch', 'sign', 'debug')
const ctx = Wearable.createContext({
  url: args.url,
  appId: args.appid,
  token: args.token,
  package: args.package,
  certificate: fs.readFileSync(path.join(sign, 'certificate.pem'), 'utf8')
})

async function main () {
  // Wait for the watch app to come up, as an app polls getConnectedNodes.
  let node
  for (;;) {
    [node] = await Wearable.getNodeApi(ctx).getConnectedNodes()
    if (node) break
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
  console.log(`[phone] connected node ${node.id} (${node.name})`)
  await Wearable.getAuthApi(ctx).requestPermission(node.id, Permission.DEVICE_MANAGER, Permission.NOTIFY)
  const installed = await Wearable.getNodeApi(ctx).isWearAppInstalled(node.id)
  console.log(`[phone] watch app installed: ${installed}`)

  let answered = 0
  const messages = Wearable.getMessageApi(ctx)
  await messages.addListener(node.id, (nodeId, bytes) => {
    const report = JSON.parse(new TextDecoder().decode(bytes))
    console.log(`[phone] ${nodeId} reports ${report.steps} steps`)
    const reply = { type: 'ack', steps: report.steps, goal: 100, reached: report.steps >= 100 }
    messages.sendMessage(nodeId, new TextEncoder().encode(JSON.stringify(reply)))
      .addOnSuccessListener(() => {
        if (++answered >= Number(args.count)) {
          console.log(`[phone] answered ${answered} reports; done`)
          ctx.close()
        }
      })
      .addOnFailureListener((e) => console.log(`[phone] send failed: ${e.code} ${e.message}`))
  })
}

main().catch((e) => {
  console.error(`[phone] ${e.name} (${e.code}): ${e.message}`)
  ctx.close()
  process.exit(1)
})
