/**
 * `npm run soak [-- --minutes 20 --peers 8]`: a long run of the swarm, to see that nothing grows
 * and nothing escapes. Not part of `npm test` (it lasts 20 minutes by default).
 *
 * One process runs PEERS Shoal nodes on loopback (fixed ports, every node bootstrapping to the
 * others, mDNS off). Round after round, a random node shares a new random file and three others
 * get it at once; now and then (churn) a node is stopped in the middle of a round and restarted,
 * with the same data directory, a round later. Every download is checked byte for byte, then
 * removed; shares are removed again after a while, so disk use stays bounded.
 *
 * Every SAMPLE_INTERVAL_MS it records RSS, heap (after a forced GC), active handles and open file
 * descriptors. At the end it prints the slope of each (least squares, after the warm-up) per
 * hour, the rounds and downloads done, and every error that escaped: an unhandled rejection, an
 * uncaught exception, or a download that failed though its node was not stopped. Exit code 1 if
 * any error escaped. The summary is also written to bench/results/soak.json.
 */
import { createHash, randomBytes } from 'node:crypto'
import { readdirSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createNode, type ShoalNode } from '../src/node/node.js'
import { ROOT } from './lib/shoal-cli.js'
import { DIRECT_MIN_BYTES } from '../src/swarm/requester/constants.js'

const args = process.argv.slice(2)
const flag = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`)
  return at >= 0 ? Number(args[at + 1]) : fallback
}
const MINUTES = flag('minutes', 20)
const PEERS = flag('peers', 8)
/** Downloads started at once in each round. */
const GETTERS_PER_ROUND = 3
/** Shared files are this big, at random... */
const MIN_FILE_BYTES = 64 * 1024
const MAX_FILE_BYTES = 6 * 1024 * 1024
/** ...except this share of them, big enough that downloads move to direct connections. */
const LARGE_FILE_SHARE = 0.3
const LARGE_FILE_BYTES = DIRECT_MIN_BYTES + 4 * 1024 * 1024
/** Each round stops one node (churn) with this probability, at a random moment of the round. */
const CHURN_PROBABILITY = 0.4
const CHURN_DELAY_MAX_MS = 1_500
/** A node keeps at most this many of its shares; older ones are removed. */
const MAX_SHARES_PER_NODE = 4
/** A get gives up after this long without progress. */
const GET_TIMEOUT_MS = 30_000
const SAMPLE_INTERVAL_MS = 10_000
/** Samples before this fraction of the run are warm-up, left out of the slopes. */
const WARM_UP_FRACTION = 0.2
const PAUSE_BETWEEN_ROUNDS_MS = 200

/** `buffersMiB`: memory of ArrayBuffers (Buffers) outside the V8 heap, to tell a leak of them from the allocator's own. */
interface Sample { atMin: number, rssMiB: number, heapMiB: number, buffersMiB: number, handles: number, fds: number }
type Measure = Exclude<keyof Sample, 'atMin'>
const MEASURES: Measure[] = ['rssMiB', 'heapMiB', 'buffersMiB', 'handles', 'fds']
interface Peer { index: number, port: number, dataDir: string, node?: ShoalNode, shares: Array<{ cid: string, path: string }> }

const errors: string[] = []
process.on('unhandledRejection', reason => { errors.push(`unhandled rejection: ${String((reason as Error)?.stack ?? reason)}`) })
process.on('uncaughtException', err => { errors.push(`uncaught exception: ${String(err?.stack ?? err)}`) })

const gc = (globalThis as { gc?: () => void }).gc
const MiB = 1024 * 1024

function sample (started: number): Sample {
  gc?.()
  const memory = process.memoryUsage()
  let fds = -1
  try {
    fds = readdirSync('/proc/self/fd').length
  } catch {}
  return { atMin: (Date.now() - started) / 60_000, rssMiB: memory.rss / MiB, heapMiB: memory.heapUsed / MiB, buffersMiB: memory.arrayBuffers / MiB, handles: process.getActiveResourcesInfo().length, fds }
}

/** Least-squares slope of y over x. */
/** Least-squares slope of the points and its standard error. */
function slope (points: Array<[number, number]>): { slope: number, stdErr: number } {
  const n = points.length
  if (n < 3) return { slope: 0, stdErr: Number.NaN }
  const mx = points.reduce((s, [x]) => s + x, 0) / n
  const my = points.reduce((s, [, y]) => s + y, 0) / n
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0)
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0)
  if (sxx === 0) return { slope: 0, stdErr: Number.NaN }
  const b = sxy / sxx
  const residuals = points.reduce((s, [x, y]) => s + (y - my - b * (x - mx)) ** 2, 0)
  return { slope: b, stdErr: Math.sqrt(residuals / (n - 2) / sxx) }
}

async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port')))
    })
  })
}

const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)] as T
const shuffle = <T>(items: T[]): T[] => items.map(v => [Math.random(), v] as const).sort((a, b) => a[0] - b[0]).map(([, v]) => v)

async function main (): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'shoal-soak-'))
  const peers: Peer[] = []
  for (let i = 0; i < PEERS; i++) peers.push({ index: i, port: await freePort(), dataDir: join(root, `node-${i}`), shares: [] })
  const addrOf = (p: Peer): string | undefined => p.node?.addrs()[0]
  const start = async (p: Peer): Promise<void> => {
    const bootstrap = peers.filter(q => q !== p && q.node !== undefined).map(addrOf).filter((a): a is string => a !== undefined)
    p.node = await createNode({ dataDir: p.dataDir, listen: [`/ip4/127.0.0.1/tcp/${p.port}`], mdns: false, bootstrap })
  }
  for (const p of peers) await start(p)

  const started = Date.now()
  const deadline = started + MINUTES * 60_000
  const samples: Sample[] = [sample(started)]
  const sampler = setInterval(() => samples.push(sample(started)), SAMPLE_INTERVAL_MS)
  let rounds = 0
  let downloads = 0
  let interrupted = 0
  let churned = 0
  let stopped: Peer | undefined

  try {
    while (Date.now() < deadline) {
      rounds++
      if (stopped !== undefined) { // the node stopped last round comes back, same data directory
        await start(stopped)
        stopped = undefined
      }
      const live = peers.filter(p => p.node !== undefined)
      const publisher = pick(live)
      const dir = join(root, 'files', `round-${rounds}`)
      await mkdir(dir, { recursive: true })
      const size = Math.random() < LARGE_FILE_SHARE ? LARGE_FILE_BYTES : MIN_FILE_BYTES + Math.floor(Math.random() * (MAX_FILE_BYTES - MIN_FILE_BYTES))
      const bytes = randomBytes(size)
      const hash = createHash('sha256').update(bytes).digest('hex')
      const file = join(dir, `file-${rounds}.bin`)
      await writeFile(file, bytes)
      const shared = await (publisher.node as ShoalNode).share(file)
      publisher.shares.push({ cid: shared.cid, path: dir })

      const getters = shuffle(live.filter(p => p !== publisher)).slice(0, GETTERS_PER_ROUND)
      let victim: Peer | undefined
      if (Math.random() < CHURN_PROBABILITY) {
        victim = pick(live.filter(p => p !== publisher))
        const node = victim.node
        setTimeout(() => { if (node !== undefined) void node.stop() }, Math.random() * CHURN_DELAY_MAX_MS)
        churned++
      }
      await Promise.all(getters.map(async g => {
        const node = g.node as ShoalNode
        const out = join(root, 'out', `node-${g.index}`, `round-${rounds}`)
        try {
          const result = await node.get(shared.link, { output: out, timeoutMs: GET_TIMEOUT_MS })
          const got = createHash('sha256').update(await readFile(result.path)).digest('hex')
          if (got !== hash) errors.push(`round ${rounds}: node ${g.index} got different bytes`)
          downloads++
          await node.removeContent(shared.cid)
        } catch (err: any) {
          if (g === victim) interrupted++
          else errors.push(`round ${rounds}: node ${g.index} get failed: ${String(err?.code)} ${String(err?.message)}`)
        } finally {
          await rm(out, { recursive: true, force: true })
        }
      }))
      if (victim !== undefined) {
        await victim.node?.stop()
        victim.node = undefined
        stopped = victim
      }
      for (const p of peers) {
        while (p.shares.length > MAX_SHARES_PER_NODE) {
          const old = p.shares.shift() as { cid: string, path: string }
          await p.node?.removeContent(old.cid).catch(() => {})
          await rm(old.path, { recursive: true, force: true })
        }
      }
      if (rounds % 20 === 0) {
        const last = samples.at(-1) as Sample
        console.log(`${last.atMin.toFixed(1)} min: ${rounds} rounds, ${downloads} downloads, ${churned} churned; RSS ${last.rssMiB.toFixed(0)} MiB, heap ${last.heapMiB.toFixed(0)} MiB, buffers ${last.buffersMiB.toFixed(0)} MiB, handles ${last.handles}, fds ${last.fds}; errors ${errors.length}`)
      }
      await new Promise(resolve => setTimeout(resolve, PAUSE_BETWEEN_ROUNDS_MS))
    }
  } finally {
    clearInterval(sampler)
    samples.push(sample(started))
    await Promise.all(peers.map(async p => await p.node?.stop().catch(() => {})))
    await rm(root, { recursive: true, force: true })
  }

  const steady = samples.filter(s => s.atMin >= MINUTES * WARM_UP_FRACTION)
  const first = steady[0] ?? samples[0] as Sample
  const last = samples.at(-1) as Sample
  const slopesPerHour = Object.fromEntries(MEASURES.map(key => {
    const fit = slope(steady.map(s => [s.atMin, s[key]]))
    return [key, { slope: fit.slope * 60, stdErr: fit.stdErr * 60 }]
  })) as Record<Measure, { slope: number, stdErr: number }>
  const summary = {
    date: new Date().toISOString(),
    command: `npm run soak -- --minutes ${MINUTES} --peers ${PEERS}`,
    minutes: MINUTES,
    peers: PEERS,
    rounds,
    downloads,
    churned,
    interruptedByChurn: interrupted,
    errors,
    slopesPerHour,
    afterWarmUp: Object.fromEntries(MEASURES.map(key => [key, [first[key], last[key]]])),
    samples
  }
  await mkdir(join(ROOT, 'bench', 'results'), { recursive: true })
  await writeFile(join(ROOT, 'bench', 'results', 'soak.json'), JSON.stringify(summary, null, 2) + '\n')
  const fmt = (key: Measure): string => `${key} ${slopesPerHour[key].slope.toFixed(1)} ± ${slopesPerHour[key].stdErr.toFixed(1)} (${first[key].toFixed(0)} → ${last[key].toFixed(0)})`
  console.log(`soak ${MINUTES} min, ${PEERS} peers: ${rounds} rounds, ${downloads} downloads verified, ${churned} nodes churned (${interrupted} downloads interrupted with them); ` +
    `slopes per hour after warm-up, ± one standard error (first → last): ${MEASURES.map(fmt).join(', ')}; errors escaped: ${errors.length}`)
  for (const e of errors.slice(0, 20)) console.log(`  ${e.split('\n')[0] ?? ''}`)
  process.exitCode = errors.length > 0 ? 1 : 0
}

await main()
process.exit()
