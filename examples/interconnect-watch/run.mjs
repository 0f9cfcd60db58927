// Runs page.js in Node with @system.interconnect resolved to Switchboard's
// drop-in, the way a watch would run it. Usage (Node 20 needs the flag):
//
//   node --experimental-websocket examples/interconnect-watch/run.mjs \
//     --url ws://localhost:8080/ws/interconnect/v1 --did $WATCH_DID --passcode WATCHPASS [--count 5]
//
// It exits after --count replies from the phone app.
import { register } from 'node:module'
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { dirname, join } from 'node:path'

const here = dirname(fileURLToPath(import.meta.url))
const { values: args } = parseArgs({
  options: {
    url: { type: 'string', default: 'ws://localhost:8080/ws/interconnect/v1' },
    did: { type: 'string' },
    passcode: { type: 'string' },
    package: { type: 'string', default: 'com.example.steps' },
    count: { type: 'string', default: '5' }
  }
})
if (!args.did || !args.passcode) {
  console.error('usage: run.mjs --did <watch did> --passcode <passcode> [--url ws://...] [--count n]')
  process.exit(2)
}

// Resolve '@system.interconnect' to the SDK, as the quick app toolchain
// resolves it to the watch's built-in module.
const sdk = pathToFileURL(join(here, '..', '..', 'sdk', 'js', 'interconnect', 'index.mjs')).href
register('data:text/javascript,' + encodeURIComponent(`
export async function resolve (specifier, context, next) {
  if (specifier === '@system.interconnect') return { url: ${JSON.stringify(sdk)}, shortCircuit: true }
  return next(specifier, context)
}`))

const interconnect = (await import('@system.interconnect')).default
interconnect.configure({
  url: args.url,
  did: args.did,
  passcode: args.passcode,
  package: args.package,
  certificate: readFileSync(join(here, 'sign', 'debug', 'certificate.pem'), 'utf8'),
  privateKey: readFileSync(join(here, 'sign', 'debug', 'private.pem'), 'utf8') // proof of possession
})

const page = (await import('./page.js')).default
let replies = 0
page.onReply = () => {
  if (++replies >= Number(args.count)) {
    console.log(`[watch] ${replies} replies from the phone app; done`)
    interconnect.instance().close()
    process.exit(0)
  }
}
page.onInit()
