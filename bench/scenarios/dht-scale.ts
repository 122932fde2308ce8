import { mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { closeSync, openSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { spawn, type ChildProcess } from 'node:child_process'
import { inHost, labAvailable, labDown, labIp, labUp } from '../lib/netlab.js'
import { ROOT } from '../lib/shoal-cli.js'
import { memoryOf } from '../lib/proc.js'

const RATE = '20mbit'
const DELAY = '20ms'
const DHT_NODE = join(ROOT, 'dist', 'bench', 'lib', 'dht-node.js')
/** Nodes run by one process (one per lab host) unless `--per-host` says otherwise: see dht-node.ts. */
const DEFAULT_PER_HOST = 4
/**
 * Hosts (processes) started at once while the DHT is built; the next batch waits until these
 * announced their content (or BATCH_WAIT_MS passed), so a node joins a DHT that answers, not 2
 * cores queueing 100 handshakes.
 */
const START_BATCH = 2
/** Longest a batch waits for its announcements before the next batch starts. */
const BATCH_WAIT_MS = 20_000
/** Once all are up: routing tables are polled this often, for at most SETTLE_MAX_MS, until they stop growing. */
const SETTLE_POLL_MS = 5_000
const SETTLE_MAX_MS = 60_000
/** Gets in flight at once (each on a different node). */
const GETS_AT_ONCE = 4
const READY_TIMEOUT_MS = 300_000
const ANNOUNCE_TIMEOUT_MS = 180_000
const GET_TIMEOUT_MS = 60_000
const BOOTSTRAP_PEERS = 3

export interface DhtScaleOptions { nodes: number, gets: number, churn: number, perHost?: number }

interface LabHost { host: string, ip: string, child: ChildProcess, alive: boolean, replies: Map<number, (reply: any) => void> }
interface LabNode { lab: LabHost, index: number, peerId: string, addrs: string[], cid: string, startedAt: number, announced: Promise<boolean>, announceMs?: number, announceFailures: number, alive: boolean }
interface GetReply { ok: boolean, doneMs?: number, firstMs?: number, hops?: number, queried?: number, loopDelayMs?: number, error?: string }
interface Trial extends GetReply { cid: string, publisherAlive: boolean }

/**
 * `npm run bench -- dht-scale [--nodes=100] [--gets=500] [--churn=0.3] [--per-host=4]`: N Shoal
 * nodes in netlab (20 Mbit/s, 20 ms), `per-host` of them in the one process of each lab host
 * (dht-node.ts), each sharing 1 KiB of its own; `gets` downloads of bare CIDs from random nodes
 * (time to the first DHT provider, hops, time to done); then `churn` of the hosts killed (SIGKILL,
 * all their nodes) and as many new nodes started, and `gets` more, counting those whose publisher is gone.
 */
export async function dhtScale (options: DhtScaleOptions): Promise<unknown> {
  const missing = labAvailable()
  if (missing !== undefined) {
    console.log(`dht-scale: skipped, ${missing}`)
    return { skipped: missing }
  }
  const perHost = Math.max(1, options.perHost ?? DEFAULT_PER_HOST)
  const hostCount = Math.ceil(options.nodes / perHost)
  const counts = Array.from({ length: hostCount }, (_, i) => Math.min(perHost, options.nodes - i * perHost))
  const dir = await mkdtemp(join(tmpdir(), 'shoal-dht-'))
  const nodes: LabNode[] = []
  const labs: LabHost[] = []
  // Stopped from outside (a time limit): the nodes and the lab go too, and what was printed stays.
  const interrupted = (): void => {
    // The gets done so far are reported: a loaded machine may not reach the end within a limit.
    if (running !== undefined && running.results.length > 0) report(`${running.label}, stopped after ${running.results.length} of ${running.of} gets`, running.results)
    for (const l of labs) l.child.kill('SIGKILL')
    void labDown().finally(() => process.exit(130))
  }
  process.once('SIGINT', interrupted)
  try {
    await labUp(hostCount, ['--rate', RATE, '--delay', DELAY])
    console.log(`dht-scale: ${options.nodes} nodes on ${hostCount} lab hosts (${perHost} per host process); load ${load()}`)
    const upStart = Date.now()
    await startHosts(nodes, labs, counts.map((count, i) => ({ host: `p${i + 1}`, count })), dir, 'a')
    const announced = (await Promise.all(nodes.map(async n => await n.announced))).filter(Boolean).length
    const upSeconds = (Date.now() - upStart) / 1000
    const settled = await settle(labs)
    const rss = labs.map(l => memoryOf(l.child.pid as number).rssMiB)
    const announceMs = nodes.flatMap(n => n.announceMs !== undefined ? [n.announceMs] : [])
    console.log(`dht-scale: ${nodes.length} nodes up in ${upSeconds.toFixed(0)} s, ${announced} announced within ${ANNOUNCE_TIMEOUT_MS / 1000} s ` +
      `(time to announced ms ${fmt(percentiles(announceMs))}; failed attempts ${nodes.reduce((a, n) => a + n.announceFailures, 0)}: ${JSON.stringify(Object.fromEntries(announceErrors))}); ` +
      `routing table ${fmt(percentiles(settled.dht))}, connections ${fmt(percentiles(settled.connections))} per node; ` +
      `RSS per process median ${median(rss).toFixed(0)} MiB (${(median(rss) / perHost).toFixed(0)} per node); load ${load()}`)
    const holders = new Map(nodes.map(n => [n.cid, new Set([n])]))
    const before = await trials(nodes, holders, options.gets, 'before churn')
    report('before churn', before)

    const killedLabs = shuffled(labs).slice(0, Math.round(labs.length * options.churn))
    const killed = nodes.filter(n => killedLabs.includes(n.lab))
    for (const l of killedLabs) { l.alive = false; l.child.kill('SIGKILL') }
    for (const n of killed) n.alive = false
    const joinedFrom = nodes.length
    await startHosts(nodes, labs, killedLabs.map(l => ({ host: l.host, count: nodes.filter(n => n.lab === l).length })), dir, 'b')
    const joined = nodes.slice(joinedFrom)
    for (const n of joined) holders.set(n.cid, new Set([n]))
    await Promise.all(joined.map(async n => await n.announced))
    const settledAfter = await settle(labs.filter(l => l.alive))
    console.log(`dht-scale: ${killed.length} nodes killed (${killedLabs.length} hosts), ${joined.length} joined; routing table ${fmt(percentiles(settledAfter.dht))}, connections ${fmt(percentiles(settledAfter.connections))}; load ${load()}`)
    const after = await trials(nodes, holders, options.gets, 'after churn')
    report(`after ${killed.length} nodes killed and ${joined.length} joined`, after)
    const orphaned = after.filter(t => !t.publisherAlive)
    console.log(`dht-scale: of ${orphaned.length} gets whose publisher was killed, ${orphaned.filter(t => t.ok).length} done (served by peers that had downloaded it); load ${load()}`)
    return { nodes: options.nodes, perHost, upSeconds, announced, rssMiBPerProcess: median(rss), before: summary(before), after: summary(after), orphaned: summary(orphaned) }
  } finally {
    process.off('SIGINT', interrupted)
    for (const l of labs) if (l.alive) l.child.kill('SIGINT')
    await new Promise(resolve => setTimeout(resolve, 3_000))
    for (const l of labs) if (l.child.exitCode === null) l.child.kill('SIGKILL')
    await labDown()
    await rm(dir, { recursive: true, force: true })
  }
}

async function startHosts (nodes: LabNode[], labs: LabHost[], hosts: Array<{ host: string, count: number }>, dir: string, generation: string): Promise<void> {
  for (let i = 0; i < hosts.length;) {
    // The first host of an empty lab starts alone: its nodes bootstrap from each other, the others from them.
    const batch = hosts.slice(i, nodes.length === 0 ? i + 1 : i + START_BATCH)
    i += batch.length
    const started = await Promise.all(batch.map(async ({ host, count }) => {
      const bootstrap = shuffled(nodes.filter(n => n.alive)).slice(0, BOOTSTRAP_PEERS).flatMap(n => n.addrs.slice(0, 1))
      return await startHost(labs, host, await labIp(host), join(dir, `${host}-${generation}`), count, bootstrap)
    }))
    nodes.push(...started.flat())
    await Promise.race([Promise.all(started.flat().map(async n => await n.announced)), new Promise(resolve => setTimeout(resolve, BATCH_WAIT_MS))])
  }
}

async function startHost (labs: LabHost[], host: string, ip: string, baseDir: string, count: number, bootstrap: string[]): Promise<LabNode[]> {
  const [cmd, argv] = inHost(host, process.execPath, [DHT_NODE, baseDir, ip, String(count), ...bootstrap])
  // SHOAL_BENCH_LOGS: each host's stderr (SHOAL_TRACE lines, warnings) kept in the OS temp folder.
  const logs = process.env.SHOAL_BENCH_LOGS !== undefined ? openSync(join(tmpdir(), `shoal-dht-${host}-${basename(baseDir)}.log`), 'w') : 'ignore'
  const child = spawn(cmd, argv, { stdio: ['pipe', 'pipe', logs] })
  if (typeof logs === 'number') closeSync(logs)
  const lab: LabHost = { host, ip, child, alive: true, replies: new Map() }
  labs.push(lab)
  const nodes: LabNode[] = []
  const announcedBy = new Map<number, (ok: boolean) => void>()
  return await new Promise<LabNode[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${host} not ready`)), READY_TIMEOUT_MS)
    child.on('exit', code => { if (nodes.length < count) reject(new Error(`${host} exited ${code}`)) })
    createInterface({ input: child.stdout! }).on('line', line => {
      const event = JSON.parse(line)
      if (event.event === 'ready') {
        const startedAt = Date.now()
        let settleAnnounced: (ok: boolean) => void = () => {}
        const announced = new Promise<boolean>(resolve => {
          settleAnnounced = resolve
          setTimeout(() => resolve(false), ANNOUNCE_TIMEOUT_MS).unref()
        })
        const node: LabNode = { lab, index: event.node, peerId: event.peerId, addrs: event.addrs, cid: event.cid, startedAt, announced, announceFailures: 0, alive: true }
        announcedBy.set(event.node, settleAnnounced)
        nodes.push(node)
        if (nodes.length === count) { clearTimeout(timer); resolve(nodes) }
      }
      if (event.event === 'announced') {
        const node = nodes.find(n => n.index === event.node)
        // A failed attempt is retried by the node (discovery/announcer.ts): only success counts.
        if (event.ok !== true) { if (node !== undefined) node.announceFailures++; announceErrors.set(String(event.error).slice(0, 60), (announceErrors.get(String(event.error).slice(0, 60)) ?? 0) + 1); return }
        if (node !== undefined && node.announceMs === undefined) node.announceMs = Date.now() - node.startedAt
        announcedBy.get(event.node)?.(true)
      }
      if (event.event === 'got' || event.event === 'stats') lab.replies.get(Number(event.id))?.(event)
    })
  })
}

/** Waits until the routing tables stop growing (or SETTLE_MAX_MS); their sizes and connection counts per node. */
async function settle (labs: LabHost[]): Promise<{ dht: number[], connections: number[] }> {
  const deadline = Date.now() + SETTLE_MAX_MS
  let last = -1
  for (;;) {
    const stats = (await Promise.all(labs.map(async l => await request(l, { op: 'stats' }, 10_000)))).flatMap(r => r.nodes ?? [])
    const dht = stats.map((s: any) => s.dht as number)
    const total = dht.reduce((a: number, b: number) => a + b, 0)
    if (total <= last || Date.now() >= deadline) return { dht, connections: stats.map((s: any) => s.connections as number) }
    last = total
    await new Promise(resolve => setTimeout(resolve, SETTLE_POLL_MS))
  }
}

function load (): string {
  return loadavg().map(l => l.toFixed(1)).join(' ')
}

function fmt (x: { p50: number, p95: number, p99: number }): string {
  return `p50 ${x.p50.toFixed(0)}, p95 ${x.p95.toFixed(0)}, p99 ${x.p99.toFixed(0)}`
}

let nextId = 0
/** The round of gets under way, for a report when the run is stopped from outside. */
let running: { label: string, results: Trial[], of: number } | undefined
/** Why announce attempts failed, over the run (each is retried by the node). */
const announceErrors = new Map<string, number>()

/** `count` gets, GETS_AT_ONCE at a time, each of a random content some other live node holds, on a random live node lacking it. */
async function trials (nodes: LabNode[], holders: Map<string, Set<LabNode>>, count: number, label: string): Promise<Trial[]> {
  const results: Trial[] = []
  running = { label, results, of: count }
  const busy = new Set<LabNode>()
  const one = async (): Promise<void> => {
    const live = nodes.filter(n => n.alive && !busy.has(n))
    const available = [...holders.entries()].filter(([, h]) => [...h].some(n => n.alive))
    const [cid, holding] = available[Math.floor(Math.random() * available.length)] as [string, Set<LabNode>]
    const candidates = live.filter(n => !holding.has(n))
    const getter = candidates[Math.floor(Math.random() * candidates.length)] as LabNode
    busy.add(getter)
    const publisherAlive = nodes.some(n => n.cid === cid && n.alive)
    const reply: GetReply = await request(getter.lab, { op: 'get', node: getter.index, cid }, GET_TIMEOUT_MS)
    busy.delete(getter)
    if (reply.ok) holding.add(getter)
    else if (process.env.SHOAL_BENCH_LOGS !== undefined) console.log(`dht-scale: get of ${cid} on ${getter.lab.host}/${getter.index} failed: ${JSON.stringify(reply)}; holders ${[...holding].map(h => `${h.lab.host}/${h.index}${h.alive ? '' : ' (dead)'}`).join(' ')}`)
    results.push({ ...reply, cid, publisherAlive })
  }
  let started = 0
  const worker = async (): Promise<void> => {
    while (started < count) { started++; await one() }
  }
  await Promise.all(Array.from({ length: GETS_AT_ONCE }, worker))
  return results
}

/** Sends one command to a host's process and waits for its answer (`{ok: false, error: 'no answer'}` after `ms`). */
async function request (lab: LabHost, command: Record<string, unknown>, ms: number): Promise<any> {
  const id = nextId++
  return await new Promise(resolve => {
    const timer = setTimeout(() => { lab.replies.delete(id); resolve({ ok: false, error: 'no answer' }) }, ms)
    lab.replies.set(id, reply => { clearTimeout(timer); lab.replies.delete(id); resolve(reply) })
    lab.child.stdin!.write(JSON.stringify({ ...command, id }) + '\n')
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
    loopDelayMs: percentiles(t.filter(x => x.loopDelayMs !== undefined).map(x => x.loopDelayMs as number)),
    errors: histogram(t.filter(x => !x.ok).map(x => x.error ?? '?'))
  }
}

function report (label: string, t: Trial[]): void {
  const s = summary(t) as any
  const p = (x: { p50: number, p95: number, p99: number }): string => `p50 ${x.p50.toFixed(0)}, p95 ${x.p95.toFixed(0)}, p99 ${x.p99.toFixed(0)}`
  console.log(`dht-scale ${label}: ${s.ok}/${s.gets} gets done (${(100 * s.ok / s.gets).toFixed(1)} %, target >= 99 %); ` +
    `first provider through the DHT in ${s.viaDht} of them: ms ${p(s.firstMs)} (target p95 <= 1000); done ms ${p(s.doneMs)}; ` +
    `hops to the first provider ${JSON.stringify(s.hopsHistogram)}; peers queried ${p(s.queried)}; ` +
    `getter's worst event-loop delay during a get ms ${p(s.loopDelayMs)}; errors ${JSON.stringify(s.errors)}; load ${load()}`)
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
