/**
 * The Shoal nodes of one lab host in the dht-scale benchmark: one process runs `count` nodes, each
 * with its own identity, data directory and TCP port on the host's IP, each sharing one small file
 * of random bytes. Several nodes per process spare the machine a Node runtime, its JIT warm-up and
 * ~60 MiB per node (100 processes did not fit 2 cores: docs/benchmarks.md, round 6). A node runs
 * what a DHT node needs and nothing else: no mDNS, WebSockets, reachability (relay, AutoNAT, UPnP
 * and their DHT walks), storage offer, or direct TLS connections (a 1 KiB file rides its libp2p
 * stream). Commands: one JSON object per stdin line; answers: one per stdout line.
 *   start, per node: {"event":"ready","node":i,"peerId","addrs","cid"}, then
 *     {"event":"announced","node":i,"ok"} for every announce of its share that ends
 *   {"op":"get","node":i,"id":n,"cid":c} → {"event":"got","id":n,"ok","doneMs","firstMs","hops","queried","loopDelayMs","error"}
 *   {"op":"stats","id":n} → {"event":"stats","id":n,"nodes":[{"dht","connections"}...]}
 * Usage: node dht-node.js <base-dir> <listen-ip> <count> [bootstrap-multiaddr...]
 * Nodes start one after the other; each bootstraps from the given addresses, or, when none are
 * given, from the nodes of this process already up.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { createNode, type ShoalNode } from '../../src/node/node.js'
import type { LookupFigures } from '../../src/discovery/lookup-trace.js'

const [baseDir, ip, countText, ...bootstrap] = process.argv.slice(2) as [string, string, string, ...string[]]
/** A get that finds nothing for this long fails. */
const GET_STALL_MS = 20_000
/** After `done`, how long to wait for the lookup that ran beside it to report. */
const LOOKUP_REPORT_MS = 1_000
const SHARED_BYTES = 1024

const say = (event: unknown): void => { process.stdout.write(JSON.stringify(event) + '\n') }

/**
 * How late this process's event loop runs: every answer between two nodes of the lab waits for
 * it, on both sides. Each `got` carries the worst delay seen during that get (ms).
 */
const LOOP_PROBE_MS = 50
/** Worst lateness of the probe timer seen during each get that is running, by get id. */
const worstDelay = new Map<number, number>()
let probeDue = performance.now() + LOOP_PROBE_MS
setInterval(() => {
  const late = Math.max(0, performance.now() - probeDue)
  probeDue = performance.now() + LOOP_PROBE_MS
  for (const [id, worst] of worstDelay) if (late > worst) worstDelay.set(id, late)
}, LOOP_PROBE_MS).unref()
const worstDelayMs = (id: number): number => Math.round(worstDelay.get(id) ?? 0)

interface HostedNode { node: ShoalNode, dataDir: string, lookups: Map<string, Array<LookupFigures & { ok: boolean }>> }
const hosted: HostedNode[] = []

for (let i = 0; i < Number(countText); i++) {
  const dataDir = join(baseDir, `n${i}`)
  await mkdir(dataDir, { recursive: true })
  const lookups = new Map<string, Array<LookupFigures & { ok: boolean }>>()
  const from = bootstrap.length > 0 ? bootstrap : hosted.flatMap(h => h.node.addrs().slice(0, 1))
  let shared = ''
  const node = await createNode({
    dataDir,
    listen: [`/ip4/${ip}/tcp/0`],
    bootstrap: from,
    mdns: false,
    webSockets: false,
    reach: false,
    storage: false,
    direct: false
  }, {
    announce: event => { if (event.cid === shared) say({ event: 'announced', node: i, ok: event.ok, error: event.error }) },
    lookup: event => { lookups.set(event.cid, [...(lookups.get(event.cid) ?? []), event]) }
  })
  hosted.push({ node, dataDir, lookups })
  const file = join(dataDir, 'shared.bin')
  await writeFile(file, randomBytes(SHARED_BYTES))
  shared = (await node.share(file)).cid
  say({ event: 'ready', node: i, peerId: node.peerId, addrs: node.addrs(), cid: shared })
}

async function get (h: HostedNode, id: number, cid: string): Promise<void> {
  const output = join(h.dataDir, `get-${id}`)
  await mkdir(output, { recursive: true })
  h.lookups.delete(cid)
  const start = Date.now()
  worstDelay.set(id, 0)
  try {
    await h.node.get(cid, { output, timeoutMs: GET_STALL_MS })
    const doneMs = Date.now() - start
    const first = await firstLookup(h, cid, LOOKUP_REPORT_MS)
    say({ event: 'got', id, ok: true, doneMs, firstMs: first?.firstMs, hops: first?.hops, queried: first?.queried, loopDelayMs: worstDelayMs(id) })
  } catch (err: any) {
    const first = await firstLookup(h, cid, 0)
    say({ event: 'got', id, ok: false, error: String(err.code ?? err.message), message: String(err.message).slice(0, 200), elapsedMs: Date.now() - start, loopDelayMs: worstDelayMs(id), firstMs: first?.firstMs, hops: first?.hops, queried: first?.queried, lookups: h.lookups.get(cid), dht: h.node.dhtPeers(), connections: h.node.connectedPeers().length, banned: h.node.bannedPeers().length })
  }
  worstDelay.delete(id)
  // The copy stays: this node now serves it too (after churn, the only copies may be such).
}

/** The first lookup for `cid` that found a provider, waiting up to `ms` for one to report. */
async function firstLookup (h: HostedNode, cid: string, ms: number): Promise<LookupFigures | undefined> {
  const deadline = Date.now() + ms
  for (;;) {
    const found = h.lookups.get(cid)?.find(l => l.firstMs !== undefined)
    if (found !== undefined || Date.now() >= deadline) return found ?? h.lookups.get(cid)?.[0]
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

const stopAll = async (): Promise<void> => {
  await Promise.all(hosted.map(async h => await h.node.stop().catch(() => {})))
  process.exit(0)
}

const lines = createInterface({ input: process.stdin })
lines.on('line', line => {
  const command = JSON.parse(line)
  if (command.op === 'get') {
    const h = hosted[Number(command.node)]
    if (h === undefined) say({ event: 'got', id: command.id, ok: false, error: 'no such node' })
    else void get(h, Number(command.id), String(command.cid))
  }
  if (command.op === 'stats') say({ event: 'stats', id: command.id, nodes: hosted.map(h => ({ dht: h.node.dhtPeers(), connections: h.node.connectedPeers().length })) })
})
lines.on('close', () => { void stopAll() })
process.on('SIGINT', () => { void stopAll() })
