import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { formatLink } from '../../src/content/link.js'
import { GIB, MIB, writeRandomFile } from '../lib/files.js'
import { cpuSecondsOf, median, memoryOf, startBackground, type Background } from '../lib/proc.js'
import { TIME_FORMAT, describeCpu, perGiB, timedResult, type RoleCpu } from '../lib/cpu.js'
import { HTTP_SERVE, ROOT, SHOAL_BIN, nodeArgs } from '../lib/shoal-cli.js'
import { execIn, inHost, labAvailable, labDown, labIp, labUp } from '../lib/netlab.js'
import { plotFlashCrowd } from '../lib/plot.js'
import { aria2Crowd, bittorrentMissing, type BittorrentCrowd } from '../lib/bittorrent.js'

const RATE_MBIT = 20
const DELAY = '20ms'

export interface LabOptions { quick: boolean, crowd?: number[], http?: boolean, /** The aria2 BitTorrent baseline in the flash crowd (default on when aria2c and mktorrent are there). */ aria2?: boolean, /** `--piece-size` for the sharers (default: Shoal's). */ pieceSize?: string }

export async function runLab (name: string, options: LabOptions): Promise<unknown> {
  const missing = labAvailable()
  if (missing !== undefined) {
    console.log(`${name}: skipped, ${missing}`)
    return { skipped: missing }
  }
  const dir = await mkdtemp(join(tmpdir(), 'shoal-lab-'))
  try {
    if (name === 'many-sources') return await manySources(dir, options)
    return name === 'big-crowd' ? await bigCrowd(dir, options) : await flashCrowd(dir, options)
  } finally {
    await labDown()
    await rm(dir, { recursive: true, force: true })
  }
}

function startSharer (host: string, ip: string, file: string, dataDir: string, pieceSize?: string): Background {
  const [cmd, argv] = inHost(host, process.execPath, [SHOAL_BIN, 'share', file, ...nodeArgs(dataDir, ip), ...(pieceSize !== undefined ? ['--piece-size', pieceSize] : [])])
  const sharer = startBackground(cmd, argv, /"sharing"/)
  // SHOAL_BENCH_LOGS=<dir> keeps the sharer's stderr too (with DEBUG=libp2p:..., its view of the crowd).
  const logs = process.env.SHOAL_BENCH_LOGS
  if (logs !== undefined) sharer.child.stderr?.pipe(createWriteStream(join(logs, `${host}-sharer-${Date.now()}.log`)))
  return sharer
}

interface GetResult { durationMs: number, wallMs: number, peers: Record<string, number>, received: number, direct: number, cpuSeconds: number, maxRssMiB: number }

/** One `shoal get` in a lab host, under /usr/bin/time (CPU and peak RSS of the whole command). */
async function getIn (host: string, ip: string, link: string, dir: string): Promise<GetResult> {
  const { stdout, stderr, ms } = await execIn(host, '/usr/bin/time', [...TIME_FORMAT, process.execPath, SHOAL_BIN, 'get', link, '-o', join(dir, `${host}-out`), '--timeout', '120', ...nodeArgs(join(dir, `${host}-get`), ip)])
  if (process.env.SHOAL_BENCH_LOGS !== undefined) await writeFile(join(process.env.SHOAL_BENCH_LOGS, `${host}-${Date.now()}.log`), stdout)
  const done = stdout.split('\n').filter(l => l.includes('"event":"done"')).map(l => JSON.parse(l))[0]
  if (done === undefined) throw new Error(`get in ${host} did not finish`)
  return { durationMs: Number(done.durationMs), wallMs: ms, peers: done.peers, received: Number(done.received), direct: Number(done.direct ?? 0), ...timedResult(stderr) }
}

/** A long-running sharer's CPU from now on (after it hashed its file and said "sharing"). */
function cpuFrom (sharer: Background): () => number {
  const pid = sharer.child.pid as number
  const start = cpuSecondsOf(pid)
  return () => cpuSecondsOf(pid) - start
}

/** Bytes the getters received from `peerId` (what it sent them). */
function sentBy (peerId: string, gets: GetResult[]): number {
  return gets.reduce((sum, g) => sum + (g.peers[peerId] ?? 0), 0)
}

/** One downloader, four seeders each capped at 20 Mbit/s up: the download rate over their 80 Mbit/s sum. */
async function manySources (dir: string, options: LabOptions): Promise<unknown> {
  const quick = options.quick
  const size = (quick ? 64 : 256) * MIB
  await labUp(5, ['--rate', `${RATE_MBIT}mbit`, '--delay', DELAY, '--rate-of', 'p1=1gbit'])
  const file = join(dir, 'payload.bin')
  await writeRandomFile(file, size)
  const seeders: Background[] = []
  try {
    const addrs: string[] = []
    const seederIds: string[] = []
    const seederCpu: Array<() => number> = []
    let cid = ''
    for (const host of ['p2', 'p3', 'p4', 'p5']) {
      const seeder = startSharer(host, await labIp(host), file, join(dir, `${host}-seed`), options.pieceSize)
      seeders.push(seeder)
      const event = JSON.parse(await seeder.firstLine)
      cid = event.cid
      addrs.push(...event.addrs)
      seederIds.push(String(event.peerId))
      seederCpu.push(cpuFrom(seeder))
    }
    const link = formatLink({ cid: CID.parse(cid), peers: addrs.map(a => multiaddr(a)) })
    const r = await getIn('p1', await labIp('p1'), link, dir)
    const seedRole: RoleCpu = { cpuSeconds: seederCpu.reduce((sum, cpu) => sum + cpu(), 0), received: 0, sent: seederIds.reduce((sum, id) => sum + sentBy(id, [r]), 0) }
    const getRole: RoleCpu = { cpuSeconds: r.cpuSeconds, received: r.received, sent: 0 }
    const mbit = size * 8 / (r.durationMs / 1000) / 1e6
    const fraction = mbit / (4 * RATE_MBIT)
    const wallFraction = size * 8 / (r.wallMs / 1000) / 1e6 / (4 * RATE_MBIT)
    console.log(`many-sources ${size / MIB} MiB, 4 seeders x ${RATE_MBIT} Mbit/s up, ${DELAY}: ${mbit.toFixed(1)} Mbit/s = ${fraction.toFixed(2)} of the ${4 * RATE_MBIT} Mbit/s sum (target >= 0.95; aria2 0.81); ` +
      `whole command ${wallFraction.toFixed(2)}; bytes per seeder ${Object.values(r.peers).map(b => (b / MIB).toFixed(0)).join('/')} MiB; ` +
      `CPU s: ${describeCpu('get', getRole)}; ${describeCpu('4 seeders', seedRole)}`)
    return { bytes: size, mbit, fraction, wallFraction, peers: r.peers, cpu: { get: { ...getRole, ...perGiB(getRole) }, seeders: { ...seedRole, ...perGiB(seedRole) } } }
  } finally {
    await Promise.all(seeders.map(async s => await s.stop()))
  }
}

/** One seeder and N downloaders arriving at once, all links 20 Mbit/s: time until the last finishes. */
async function flashCrowd (dir: string, options: LabOptions): Promise<unknown> {
  const quick = options.quick
  const size = (quick ? 16 : 64) * MIB
  const crowd = options.crowd ?? (quick ? [2, 4, 8] : [2, 4, 8, 16])
  const file = join(dir, 'payload.bin')
  await writeRandomFile(file, size)
  const tStar = size * 8 / (RATE_MBIT * 1e6)
  const rows: Array<{ n: number, shoal: number, shoalGet: number, http: number, aria2: number, tStar: number }> = []
  const cpu: CrowdRun[] = []
  const bittorrent: Array<BittorrentCrowd & { n: number }> = []
  const aria2Skipped = options.aria2 === false ? 'not asked (--no-aria2)' : bittorrentMissing()
  if (aria2Skipped !== undefined) console.log(`flash-crowd: aria2 BitTorrent baseline skipped: ${aria2Skipped}`)
  for (const n of crowd) {
    const hosts = await crowdLab(n)
    // A crowd whose get fails (under heavy load) is reported as such, and the baselines still run.
    const run = await shoalCrowd(file, hosts, join(dir, `n${n}`), options.pieceSize).catch((error: Error) => {
      console.log(`flash-crowd N=${n}: the Shoal crowd failed: ${error.message.split('\n')[0] ?? ''}`)
      return undefined
    })
    const shoal = run?.shoal ?? Number.NaN
    const shoalGet = run?.shoalGet ?? Number.NaN
    // Client-server: the same host serves the file over HTTP to the same N at once.
    const httpSeconds = options.http === false ? Number.NaN : await httpCrowd(file, await labIp('p1'), hosts.map(h => h.host), dir)
    // BitTorrent: the same crowd in the same lab, aria2c seeding and leeching.
    const bt = aria2Skipped !== undefined ? undefined : await aria2Crowd(file, 'p1', hosts.map(h => h.host), join(dir, `n${n}`), sha256Of, ARIA2_TIMEOUT_T_STAR * tStar * 1000)
    if (bt !== undefined) bittorrent.push({ n, ...bt })
    const aria2 = bt?.seconds ?? Number.NaN
    rows.push({ n, shoal, shoalGet, http: httpSeconds, aria2, tStar })
    if (run !== undefined) cpu.push(run)
    if (run !== undefined) console.log(`flash-crowd N=${n}, ${size / MIB} MiB, ${RATE_MBIT} Mbit/s links, ${DELAY}: last done shoal ${shoal.toFixed(1)} s = ${(shoal / tStar).toFixed(2)} T* ` +
      `(from get start ${(shoalGet / tStar).toFixed(2)} T*), http ${httpSeconds.toFixed(1)} s = ${(httpSeconds / tStar).toFixed(2)} T*, T* ${tStar.toFixed(1)} s (target <= 1.25 T*); ` +
      `CPU s: ${describeCrowdCpu(run)}; direct ${(run.directShare * 100).toFixed(0)} %; TCP connections per downloader ${run.tcpPerDownloader}`)
    if (bt !== undefined) {
      const btSwarm: RoleCpu = { cpuSeconds: bt.seederCpuSeconds + bt.leechersCpuSeconds, received: n * size, sent: n * size }
      console.log(`flash-crowd N=${n} same run: aria2 (BitTorrent, 256 KiB pieces) ${aria2.toFixed(1)} s, all ${n} copies identical: ${bt.identical}; ` +
        `shoal/T* ${(shoal / tStar).toFixed(2)}, aria2/T* ${(aria2 / tStar).toFixed(2)}, shoal/aria2 ${(shoal / aria2).toFixed(2)} (target <= 1); ` +
        `aria2 CPU s: seeder ${(bt.seederCpuSeconds / (n * size / GIB)).toFixed(2)} per GiB sent, whole swarm ${perGiB(btSwarm).perGiBReceived.toFixed(2)} per GiB delivered`)
    }
    await rm(join(dir, `n${n}`), { recursive: true, force: true })
    await labDown()
  }
  const png = options.http === false ? undefined : await plotFlashCrowd(rows, join(ROOT, 'docs', quick ? 'flash-crowd-quick.png' : 'flash-crowd.png'), size / MIB)
  if (png !== undefined) console.log(`flash-crowd plot: ${png}`)
  await writeFile(join(dir, 'rows.json'), JSON.stringify(rows))
  return { bytes: size, rows, cpu: cpu.map(crowdCpuJson), ...(aria2Skipped !== undefined ? { aria2Skipped } : { bittorrent }) }
}

/** aria2's crowd is given this many T* before it counts as failed. */
const ARIA2_TIMEOUT_T_STAR = 10

/** The biggest crowd the machine holds (`--n`, default 48) of a 16 MiB file: T*, memory and CPU per peer, every copy compared. */
async function bigCrowd (dir: string, options: LabOptions): Promise<unknown> {
  const size = 16 * MIB
  const n = options.crowd?.[0] ?? BIG_CROWD
  const file = join(dir, 'payload.bin')
  await writeRandomFile(file, size)
  const tStar = size * 8 / (RATE_MBIT * 1e6)
  const hosts = await crowdLab(n)
  const run = await shoalCrowd(file, hosts, join(dir, 'big'), options.pieceSize)
  const rss = run.gets.map(g => g.maxRssMiB)
  console.log(`big-crowd N=${n}, ${size / MIB} MiB, ${RATE_MBIT} Mbit/s links, ${DELAY}: last done ${run.shoal.toFixed(1)} s = ${(run.shoal / tStar).toFixed(2)} T* ` +
    `(from get start ${(run.shoalGet / tStar).toFixed(2)} T*), T* ${tStar.toFixed(1)} s; all ${n} copies identical to the original: ${run.identical}; ` +
    `peak RSS per downloader median ${median(rss).toFixed(0)} MiB, max ${Math.max(...rss).toFixed(0)} MiB, seeder ${run.seederPeakMiB.toFixed(0)} MiB; ` +
    `CPU s per downloader median ${median(run.gets.map(g => g.cpuSeconds)).toFixed(2)}; CPU s: ${describeCrowdCpu(run)}; direct ${(run.directShare * 100).toFixed(0)} %; TCP connections per downloader ${run.tcpPerDownloader}`)
  return { bytes: size, n, tStar, shoal: run.shoal, shoalGet: run.shoalGet, identical: run.identical, rssMiB: rss, seederPeakMiB: run.seederPeakMiB, cpu: crowdCpuJson(run) }
}

const BIG_CROWD = 48

/** Brings up a lab of one seeder (p1) and `n` downloaders; returns the downloaders. */
async function crowdLab (n: number): Promise<Array<{ host: string, ip: string }>> {
  await labUp(n + 1, ['--rate', `${RATE_MBIT}mbit`, '--delay', DELAY])
  const hosts = Array.from({ length: n }, (_, i) => `p${i + 2}`)
  return await Promise.all(hosts.map(async host => ({ host, ip: await labIp(host) })))
}

interface CrowdRun { n: number, shoal: number, shoalGet: number, gets: GetResult[], seeder: RoleCpu, downloaders: RoleCpu, swarm: RoleCpu, directShare: number, identical: boolean, seederPeakMiB: number, /** TCP connections opened or accepted by each downloader's host (libp2p and direct), median. */ tcpPerDownloader: number }

/** Shoal: every downloader starts at once with the seeder's link; CPU and bytes of each role. */
async function shoalCrowd (file: string, hosts: Array<{ host: string, ip: string }>, dir: string, pieceSize?: string): Promise<CrowdRun> {
  const seeder = startSharer('p1', await labIp('p1'), file, join(dir, 'seed'), pieceSize)
  try {
    const sharing = JSON.parse(await seeder.firstLine)
    const seederCpu = cpuFrom(seeder)
    const start = Date.now()
    // Every get ends (or times out) before the crowd is judged: none is left running beside what comes next.
    const settled = await Promise.allSettled(hosts.map(async ({ host, ip }) => await getIn(host, ip, String(sharing.link), dir)))
    const failed = settled.filter(s => s.status === 'rejected')
    if (failed.length > 0) throw new Error(`${failed.length} of ${hosts.length} gets failed; first: ${String((failed[0] as PromiseRejectedResult).reason?.message ?? failed[0])}`)
    const gets = settled.map(s => (s as PromiseFulfilledResult<GetResult>).value)
    const shoal = (Date.now() - start) / 1000
    const seederCpuSeconds = seederCpu()
    const seederPeakMiB = memoryOf(seeder.child.pid as number).peakMiB
    const received = gets.reduce((sum, g) => sum + g.received, 0)
    const fromSeeder = sentBy(String(sharing.peerId), gets)
    const getsCpu = gets.reduce((sum, g) => sum + g.cpuSeconds, 0)
    const connections = await Promise.all(hosts.map(async ({ host }) => await tcpOpensIn(host)))
    const original = await sha256Of(file)
    const copies = await Promise.all(hosts.map(async ({ host }) => await sha256Of(join(dir, `${host}-out`, basename(file)))))
    return {
      n: hosts.length,
      shoal,
      shoalGet: Math.max(...gets.map(r => r.durationMs)) / 1000,
      gets,
      seeder: { cpuSeconds: seederCpuSeconds, received: 0, sent: fromSeeder },
      downloaders: { cpuSeconds: getsCpu, received, sent: received - fromSeeder },
      swarm: { cpuSeconds: getsCpu + seederCpuSeconds, received, sent: received },
      directShare: gets.reduce((sum, g) => sum + g.direct, 0) / received,
      identical: copies.every(c => c === original),
      seederPeakMiB,
      tcpPerDownloader: median(connections)
    }
  } finally {
    await seeder.stop()
  }
}

function describeCrowdCpu (run: CrowdRun): string {
  const swarm = perGiB(run.swarm).perGiBReceived
  return `${describeCpu('seeder', run.seeder)}; ${describeCpu(`${run.n} downloaders`, run.downloaders)}; whole swarm ${swarm.toFixed(2)} per GiB delivered`
}

function crowdCpuJson (run: CrowdRun): unknown {
  const role = (r: RoleCpu): unknown => ({ ...r, ...perGiB(r) })
  return { n: run.n, seeder: role(run.seeder), downloaders: role(run.downloaders), swarm: role(run.swarm), directShare: run.directShare, tcpPerDownloader: run.tcpPerDownloader }
}

/** TCP connections a lab host opened and accepted so far (its namespace's /proc/net/snmp). */
async function tcpOpensIn (host: string): Promise<number> {
  const { stdout } = await execIn(host, 'cat', ['/proc/net/snmp'])
  const [names, values] = stdout.split('\n').filter(l => l.startsWith('Tcp:')).map(l => l.split(/\s+/))
  const at = (name: string): number => Number(values?.[names?.indexOf(name) ?? -1] ?? Number.NaN)
  return at('ActiveOpens') + at('PassiveOpens')
}

async function sha256Of (path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

async function httpCrowd (file: string, seedIp: string, hosts: string[], dir: string): Promise<number> {
  const [cmd, argv] = inHost('p1', process.execPath, [HTTP_SERVE, file, seedIp])
  const http = startBackground(cmd, argv, /^http:/)
  try {
    const url = (await http.firstLine).trim()
    const start = Date.now()
    await Promise.all(hosts.map(async h => await execIn(h, 'curl', ['-s', '-o', join(dir, `http-${h}.out`), url])))
    return (Date.now() - start) / 1000
  } finally {
    await http.stop()
  }
}
