import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { formatLink } from '../../src/content/link.js'
import { MIB, writeRandomFile } from '../lib/files.js'
import { startBackground, type Background } from '../lib/proc.js'
import { HTTP_SERVE, ROOT, SHOAL_BIN, nodeArgs } from '../lib/shoal-cli.js'
import { execIn, inHost, labAvailable, labDown, labIp, labUp } from '../lib/netlab.js'
import { plotFlashCrowd } from '../lib/plot.js'

const RATE_MBIT = 20
const DELAY = '20ms'

export interface LabOptions { quick: boolean, crowd?: number[], http?: boolean, /** `--piece-size` for the sharers (default: Shoal's). */ pieceSize?: string }

export async function runLab (name: string, options: LabOptions): Promise<unknown> {
  const missing = labAvailable()
  if (missing !== undefined) {
    console.log(`${name}: skipped, ${missing}`)
    return { skipped: missing }
  }
  const dir = await mkdtemp(join(tmpdir(), 'shoal-lab-'))
  try {
    return name === 'many-sources' ? await manySources(dir, options) : await flashCrowd(dir, options)
  } finally {
    await labDown()
    await rm(dir, { recursive: true, force: true })
  }
}

function startSharer (host: string, ip: string, file: string, dataDir: string, pieceSize?: string): Background {
  const [cmd, argv] = inHost(host, process.execPath, [SHOAL_BIN, 'share', file, ...nodeArgs(dataDir, ip), ...(pieceSize !== undefined ? ['--piece-size', pieceSize] : [])])
  return startBackground(cmd, argv, /"sharing"/)
}

async function getIn (host: string, ip: string, link: string, dir: string): Promise<{ durationMs: number, wallMs: number, peers: Record<string, number> }> {
  const { stdout, ms } = await execIn(host, process.execPath, [SHOAL_BIN, 'get', link, '-o', join(dir, `${host}-out`), '--timeout', '120', ...nodeArgs(join(dir, `${host}-get`), ip)])
  if (process.env.SHOAL_BENCH_LOGS !== undefined) await writeFile(join(process.env.SHOAL_BENCH_LOGS, `${host}-${Date.now()}.log`), stdout)
  const done = stdout.split('\n').filter(l => l.includes('"event":"done"')).map(l => JSON.parse(l))[0]
  if (done === undefined) throw new Error(`get in ${host} did not finish`)
  return { durationMs: Number(done.durationMs), wallMs: ms, peers: done.peers }
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
    let cid = ''
    for (const host of ['p2', 'p3', 'p4', 'p5']) {
      const seeder = startSharer(host, await labIp(host), file, join(dir, `${host}-seed`), options.pieceSize)
      seeders.push(seeder)
      const event = JSON.parse(await seeder.firstLine)
      cid = event.cid
      addrs.push(...event.addrs)
    }
    const link = formatLink({ cid: CID.parse(cid), peers: addrs.map(a => multiaddr(a)) })
    const r = await getIn('p1', await labIp('p1'), link, dir)
    const mbit = size * 8 / (r.durationMs / 1000) / 1e6
    const fraction = mbit / (4 * RATE_MBIT)
    const wallFraction = size * 8 / (r.wallMs / 1000) / 1e6 / (4 * RATE_MBIT)
    console.log(`many-sources ${size / MIB} MiB, 4 seeders x ${RATE_MBIT} Mbit/s up, ${DELAY}: ${mbit.toFixed(1)} Mbit/s = ${fraction.toFixed(2)} of the ${4 * RATE_MBIT} Mbit/s sum (target >= 0.95; aria2 0.81); ` +
      `whole command ${wallFraction.toFixed(2)}; bytes per seeder ${Object.values(r.peers).map(b => (b / MIB).toFixed(0)).join('/')} MiB`)
    return { bytes: size, mbit, fraction, wallFraction, peers: r.peers }
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
  const rows: Array<{ n: number, shoal: number, shoalGet: number, http: number, tStar: number }> = []
  for (const n of crowd) {
    await labUp(n + 1, ['--rate', `${RATE_MBIT}mbit`, '--delay', DELAY])
    const hosts = Array.from({ length: n }, (_, i) => `p${i + 2}`)
    const ips = await Promise.all(hosts.map(labIp))
    const seedIp = await labIp('p1')
    // Shoal: every downloader starts at once with the seeder's link.
    const seeder = startSharer('p1', seedIp, file, join(dir, `seed-${n}`), options.pieceSize)
    let shoal = 0
    let shoalGet = 0
    try {
      const link = String(JSON.parse(await seeder.firstLine).link)
      const start = Date.now()
      const results = await Promise.all(hosts.map(async (h, i) => await getIn(h, ips[i] as string, link, join(dir, `n${n}`))))
      shoal = (Date.now() - start) / 1000
      shoalGet = Math.max(...results.map(r => r.durationMs)) / 1000
    } finally {
      await seeder.stop()
    }
    // Client-server: the same host serves the file over HTTP to the same N at once.
    const httpSeconds = options.http === false ? Number.NaN : await httpCrowd(file, seedIp, hosts, dir)
    rows.push({ n, shoal, shoalGet, http: httpSeconds, tStar })
    console.log(`flash-crowd N=${n}, ${size / MIB} MiB, ${RATE_MBIT} Mbit/s links, ${DELAY}: last done shoal ${shoal.toFixed(1)} s = ${(shoal / tStar).toFixed(2)} T* ` +
      `(from get start ${(shoalGet / tStar).toFixed(2)} T*), http ${httpSeconds.toFixed(1)} s = ${(httpSeconds / tStar).toFixed(2)} T*, T* ${tStar.toFixed(1)} s (target <= 1.25 T*)`)
    await rm(join(dir, `n${n}`), { recursive: true, force: true })
    await labDown()
  }
  const png = options.http === false ? undefined : await plotFlashCrowd(rows, join(ROOT, 'docs', quick ? 'flash-crowd-quick.png' : 'flash-crowd.png'), size / MIB)
  if (png !== undefined) console.log(`flash-crowd plot: ${png}`)
  await writeFile(join(dir, 'rows.json'), JSON.stringify(rows))
  return { bytes: size, rows }
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
