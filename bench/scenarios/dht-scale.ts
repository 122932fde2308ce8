import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { spawn, type ChildProcess } from 'node:child_process'
import { inHost, labAvailable, labDown, labIp, labUp } from '../lib/netlab.js'
import { ROOT } from '../lib/shoal-cli.js'
import { memoryOf } from '../lib/proc.js'

const RATE = '20mbit'
const DELAY = '20ms'
const DHT_NODE = join(ROOT, 'dist', 'bench', 'lib', 'dht-node.js')
/**
 * Nodes started at once while the DHT is built; the next batch waits until these announced their
 * content (or failed to), so a node joins a DHT that answers, not 2 cores queueing 100 handshakes.
 */
const START_BATCH = 4
/** Longest a batch waits for its announcements before the next batch starts. */
const BATCH_WAIT_MS = 15_000
/** Gets in flight at once (each on a different node). */
const GETS_AT_ONCE = 4
const READY_TIMEOUT_MS = 180_000
const ANNOUNCE_TIMEOUT_MS = 180_000
const GET_TIMEOUT_MS = 60_000
const BOOTSTRAP_PEERS = 3

export interface DhtScaleOptions { nodes: number, gets: number, churn: number }

interface LabNode { host: string, ip: string, child: ChildProcess, peerId: string, addrs: string[], cid: string, announced: Promise<boolean>, alive: boolean, replies: Map<number, (reply: GetReply) => void> }
interface GetReply { ok: boolean, doneMs?: number, firstMs?: number, hops?: number, queried?: number, error?: string }
interface Trial extends GetReply { cid: string, publisherAlive: boolean }

/**
 * `npm run bench -- dht-scale [--nodes=100] [--gets=500] [--churn=0.3]`: N Shoal nodes in netlab
 * (one process per host, 20 Mbit/s, 20 ms), each sharing 1 KiB of its own; `gets` downloads of bare
 * CIDs from random nodes (time to the first DHT provider, hops, time to done); then `churn` of the
 * nodes killed and as many new ones started, and `gets` more, counting those whose publisher is gone.
 */
export async function dhtScale (options: DhtScaleOptions): Promise<unknown> {
  const missing = labAvailable()
  if (missing !== undefined) {
    console.log(`dht-scale: skipped, ${missing}`)
    return { skipped: missing }
  }
  const dir = await mkdtemp(join(tmpdir(), 'shoal-dht-'))
  const nodes: LabNode[] = []
  try {
    await labUp(options.nodes, ['--rate', RATE, '--delay', DELAY])
    const upStart = Date.now()
    await startNodes(nodes, Array.from({ length: options.nodes }, (_, i) => `p${i + 1}`), dir, 'a')
    const announced = (await Promise.all(nodes.map(async n => await n.announced))).filter(Boolean).length
    const upSeconds = (Date.now() - upStart) / 1000
    const rss = nodes.map(n => memoryOf(n.child.pid as number).rssMiB)
    console.log(`dht-scale: ${nodes.length} nodes up and announced (${announced} ok) in ${upSeconds.toFixed(0)} s; RSS per node median ${median(rss).toFixed(0)} MiB`)
    const holders = new Map(nodes.map(n => [n.cid, new Set([n])]))
    const before = await trials(nodes, holders, options.gets)
    report('before churn', before)

    const killed = shuffled(nodes).slice(0, Math.round(nodes.length * options.churn))
    for (const n of killed) { n.alive = false; n.child.kill('SIGKILL') }
    const survivors = nodes.filter(n => n.alive)
    await startNodes(nodes, killed.map(n => n.host), dir, 'b', survivors)
    for (const n of nodes.slice(-killed.length)) holders.set(n.cid, new Set([n]))
    await Promise.all(nodes.slice(-killed.length).map(async n => await n.announced))
    const after = await trials(nodes, holders, options.gets)
    report(`after ${killed.length} nodes killed and ${killed.length} joined`, after)
    const orphaned = after.filter(t => !t.publisherAlive)
    console.log(`dht-scale: of ${orphaned.length} gets whose publisher was killed, ${orphaned.filter(t => t.ok).length} done (served by peers that had downloaded it)`)
    return { nodes: options.nodes, upSeconds, announced, rssMiB: median(rss), before: summary(before), after: summary(after), orphaned: summary(orphaned) }
  } finally {
    for (const n of nodes) if (n.alive) n.child.kill('SIGINT')
    await new Promise(resolve => setTimeout(resolve, 2_000))
    for (const n of nodes) if (n.child.exitCode === null) n.child.kill('SIGKILL')
    await labDown()
    await rm(dir, { recursive: true, force: true })
  }
}

async function startNodes (nodes: LabNode[], hosts: string[], dir: string, generation: string, bootstrapFrom?: LabNode[]): Promise<void> {
  // The first node of an empty lab starts alone: the others need someone to bootstrap from.
  for (let i = 0; i < hosts.length;) {
    const batch = hosts.slice(i, nodes.length === 0 ? i + 1 : i + START_BATCH)
    i += batch.length
    const started = await Promise.all(batch.map(async host => {
      const from = bootstrapFrom ?? nodes
      const bootstrap = shuffled(from.filter(n => n.alive)).slice(0, BOOTSTRAP_PEERS).flatMap(n => n.addrs.slice(0, 1))
      return await startNode(host, await labIp(host), join(dir, `${host}-${generation}`), bootstrap)
    }))
    nodes.push(...started)
    await Promise.race([Promise.all(started.map(async n => await n.announced)), new Promise(resolve => setTimeout(resolve, BATCH_WAIT_MS))])
  }
}

async function startNode (host: string, ip: string, dataDir: string, bootstrap: string[]): Promise<LabNode> {
  const [cmd, argv] = inHost(host, process.execPath, [DHT_NODE, dataDir, ip, ...bootstrap])
  const child = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'ignore'] })
  const replies = new Map<number, (reply: GetReply) => void>()
  let announcedResolve: (ok: boolean) => void = () => {}
  const announced = new Promise<boolean>(resolve => {
    announcedResolve = resolve
    setTimeout(() => resolve(false), ANNOUNCE_TIMEOUT_MS).unref()
  })
  const ready = new Promise<{ peerId: string, addrs: string[], cid: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${host} not ready`)), READY_TIMEOUT_MS)
    child.on('exit', code => reject(new Error(`${host} exited ${code}`)))
    createInterface({ input: child.stdout! }).on('line', line => {
      const event = JSON.parse(line)
      if (event.event === 'ready') { clearTimeout(timer); resolve(event) }
      if (event.event === 'announced') announcedResolve(event.ok === true)
      if (event.event === 'got') replies.get(Number(event.id))?.(event)
    })
  })
  const { peerId, addrs, cid } = await ready
  return { host, ip, child, peerId, addrs, cid, announced, alive: true, replies }
}

let nextId = 0

/** `count` gets, GETS_AT_ONCE at a time, each of a random content some other live node holds, on a random live node lacking it. */
async function trials (nodes: LabNode[], holders: Map<string, Set<LabNode>>, count: number): Promise<Trial[]> {
  const results: Trial[] = []
  const busy = new Set<LabNode>()
  const one = async (): Promise<void> => {
    const live = nodes.filter(n => n.alive && !busy.has(n))
    const available = [...holders.entries()].filter(([, h]) => [...h].some(n => n.alive))
    const [cid, holding] = available[Math.floor(Math.random() * available.length)] as [string, Set<LabNode>]
    const candidates = live.filter(n => !holding.has(n))
    const getter = candidates[Math.floor(Math.random() * candidates.length)] as LabNode
    busy.add(getter)
    const publisherAlive = nodes.some(n => n.cid === cid && n.alive)
    const reply = await ask(getter, cid)
    busy.delete(getter)
    if (reply.ok) holding.add(getter)
    else if (process.env.SHOAL_BENCH_LOGS !== undefined) console.log(`dht-scale: get of ${cid} on ${getter.host} failed: ${JSON.stringify(reply)}; holders ${[...holding].map(h => `${h.host}${h.alive ? '' : ' (dead)'}`).join(' ')}`)
    results.push({ ...reply, cid, publisherAlive })
  }
  let started = 0
  const worker = async (): Promise<void> => {
    while (started < count) { started++; await one() }
  }
  await Promise.all(Array.from({ length: GETS_AT_ONCE }, worker))
  return results
}

async function ask (node: LabNode, cid: string): Promise<GetReply> {
  const id = nextId++
  return await new Promise(resolve => {
    const timer = setTimeout(() => resolve({ ok: false, error: 'no answer' }), GET_TIMEOUT_MS)
    node.replies.set(id, reply => { clearTimeout(timer); node.replies.delete(id); resolve(reply) })
    node.child.stdin!.write(JSON.stringify({ op: 'get', id, cid }) + '\n')
  })
}

function summary (t: Trial[]): unknown {
  const done = t.filter(x => x.ok).map(x => x.doneMs as number)
  const first = t.filter(x => x.firstMs !== undefined).map(x => x.firstMs as number)
  const hops = t.filter(x => x.hops !== undefined).map(x => x.hops as number)
  return {
    gets: t.length,
    ok: t.filter(x => x.ok).length,
    viaDht: first.length,
    firstMs: percentiles(first),
    doneMs: percentiles(done),
    hops: percentiles(hops),
    hopsHistogram: histogram(hops),
    queried: percentiles(t.filter(x => x.queried !== undefined).map(x => x.queried as number)),
    errors: histogram(t.filter(x => !x.ok).map(x => x.error ?? '?'))
  }
}

function report (label: string, t: Trial[]): void {
  const s = summary(t) as any
  const p = (x: { p50: number, p95: number, p99: number }): string => `p50 ${x.p50.toFixed(0)}, p95 ${x.p95.toFixed(0)}, p99 ${x.p99.toFixed(0)}`
  console.log(`dht-scale ${label}: ${s.ok}/${s.gets} gets done (${(100 * s.ok / s.gets).toFixed(1)} %, target >= 99 %); ` +
    `first provider through the DHT in ${s.viaDht} of them: ms ${p(s.firstMs)} (target p95 <= 1000); done ms ${p(s.doneMs)}; ` +
    `hops to the first provider ${JSON.stringify(s.hopsHistogram)}; peers queried ${p(s.queried)}; errors ${JSON.stringify(s.errors)}`)
}

function percentiles (values: number[]): { p50: number, p95: number, p99: number } {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (q: number): number => sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) }
}

function histogram<T extends string | number> (values: T[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const v of values) out[String(v)] = (out[String(v)] ?? 0) + 1
  return out
}

function median (values: number[]): number {
  return percentiles(values).p50
}

function shuffled<T> (items: T[]): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[out[i], out[j]] = [out[j] as T, out[i] as T]
  }
  return out
}
