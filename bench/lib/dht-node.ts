/**
 * One node of the dht-scale benchmark, run inside a lab host: a Shoal node that shares one small
 * file of random bytes and then takes commands, one JSON object per stdin line, answering one JSON
 * object per stdout line.
 *   start: {"event":"ready","peerId","addrs","cid"}, then {"event":"announced","ok"} for its share
 *   {"op":"get","id":n,"cid":c} → {"event":"got","id":n,"ok","doneMs","firstMs","hops","queried","error"}
 * Usage: node dht-node.js <data-dir> <listen-ip> [bootstrap-multiaddr...]
 */
import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { createNode } from '../../src/node/node.js'
import type { LookupFigures } from '../../src/discovery/lookup-trace.js'

const [dataDir, ip, ...bootstrap] = process.argv.slice(2) as [string, string, ...string[]]
/** A get that finds nothing for this long fails. */
const GET_STALL_MS = 20_000
/** After `done`, how long to wait for the lookup that ran beside it to report. */
const LOOKUP_REPORT_MS = 1_000
const SHARED_BYTES = 1024

const say = (event: unknown): void => { process.stdout.write(JSON.stringify(event) + '\n') }

const lookups = new Map<string, Array<LookupFigures & { ok: boolean }>>()
const node = await createNode({ dataDir, listen: [`/ip4/${ip}/tcp/0`], mdns: false, bootstrap }, {
  announce: event => { if (event.cid === shared) say({ event: 'announced', ok: event.ok }) },
  lookup: event => { lookups.set(event.cid, [...(lookups.get(event.cid) ?? []), event]) }
})
let shared = ''
const file = join(dataDir, 'shared.bin')
await writeFile(file, randomBytes(SHARED_BYTES))
shared = (await node.share(file)).cid
say({ event: 'ready', peerId: node.peerId, addrs: node.addrs(), cid: shared })

async function get (id: number, cid: string): Promise<void> {
  const output = join(dataDir, `get-${id}`)
  await mkdir(output, { recursive: true })
  lookups.delete(cid)
  const start = Date.now()
  try {
    await node.get(cid, { output, timeoutMs: GET_STALL_MS })
    const doneMs = Date.now() - start
    const first = await firstLookup(cid, LOOKUP_REPORT_MS)
    say({ event: 'got', id, ok: true, doneMs, firstMs: first?.firstMs, hops: first?.hops, queried: first?.queried })
  } catch (err: any) {
    const first = await firstLookup(cid, 0)
    say({ event: 'got', id, ok: false, error: String(err.code ?? err.message), firstMs: first?.firstMs, hops: first?.hops, queried: first?.queried, lookups: lookups.get(cid) })
  }
  // The copy stays: this node now serves it too (after churn, the only copies may be such).
}

/** The first lookup for `cid` that found a provider, waiting up to `ms` for one to report. */
async function firstLookup (cid: string, ms: number): Promise<LookupFigures | undefined> {
  const deadline = Date.now() + ms
  for (;;) {
    const found = lookups.get(cid)?.find(l => l.firstMs !== undefined)
    if (found !== undefined || Date.now() >= deadline) return found ?? lookups.get(cid)?.[0]
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

const lines = createInterface({ input: process.stdin })
lines.on('line', line => {
  const command = JSON.parse(line)
  if (command.op === 'get') void get(Number(command.id), String(command.cid))
})
lines.on('close', () => { void node.stop().then(() => process.exit(0)) })
process.on('SIGINT', () => { void node.stop().then(() => process.exit(0)) })
