/**
 * `npm run bench -- nat`: reachability through home routers in netlab (root; NETLAB_PREFIX,
 * NETLAB_NET, NETLAB_QUEUE as for every lab scenario). Links of 20 Mbit/s and 20 ms one way per
 * pair of hosts; every node counts the lab's range public (--public-range), as the internet would be.
 *
 * Pairs, each a seeder sharing a small and a big file and a fresh getter per get:
 *  - direct: both public (the same-run baseline), and the same pair with `--no-direct` on the
 *    getter (pieces on the libp2p connection, as on a punched one: what the transport costs);
 *  - public ← cone: the cone seeder dials the getter back (connection reversal);
 *  - cone ↔ cone: DCUtR hole punch through a signalling relay;
 *  - symmetric ↔ symmetric: through a data relay (--relay-data), the last resort;
 *  - public ← cone+upnp: a daemon behind a UPnP router (no relay, no stated reachability) maps
 *    its port; the time until it reports public is printed (when Debian's miniupnpd can be had).
 * Per pair: time to the first piece (a whole get of a one-piece file, from the command's start to
 * done), throughput of the big file, and the bytes relayed; then cone ↔ cone punch success over
 * N fresh getters (done through a relay that carries no data can only be punched).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { ensureDebianPackage } from '../../test/helpers/debian.js'
import { MIB, writeRandomFile } from '../lib/files.js'
import { execIn, inHost, labAvailable, labDown, labIp, labUp } from '../lib/netlab.js'
import { median } from '../lib/proc.js'
import { SHOAL_BIN } from '../lib/shoal-cli.js'

const RATE = '20mbit'
const DELAY = '20ms'
const NAT = ['--nat-of', 'p4=cone', '--nat-of', 'p5=cone', '--nat-of', 'p6=symmetric', '--nat-of', 'p7=symmetric']
const SMALL_BYTES = 200 * 1024

export interface PairResult { firstPieceMs: number, seconds: number, mbps: number, relayed: number, bytes: number, /** Gets that did not end `done` (left out of the medians). */ failed: number }
export interface NatResult {
  bytes: number
  pairs: Record<'direct' | 'directLibp2p' | 'publicCone' | 'coneCone' | 'symmetricRelay', PairResult> & { publicUpnp?: PairResult }
  /** ms from the daemon's start until it reported public through its UPnP mapping; or why not measured. */
  upnp: { mappedMs?: number, skipped?: string }
  punch: { attempts: number, punched: number, medianMs: number }
  ratios: Record<string, number>
}

interface Seeder { child: ChildProcess, links: string[], addr: string, mappedMs?: number }

export async function natBench (options: { quick: boolean }): Promise<NatResult> {
  const missing = labAvailable()
  if (missing !== undefined) throw new Error(`the nat benchmark ${missing}`)
  const bigBytes = (options.quick ? 8 : 32) * MIB
  const attempts = options.quick ? 5 : 20
  const rounds = options.quick ? 1 : 3
  const root = await mkdtemp(join(tmpdir(), 'shoal-bench-nat-'))
  const seeders: Seeder[] = []
  let net = ''
  try {
    const upnpMissing = ensureDebianPackage('/usr/sbin/miniupnpd', 'miniupnpd-iptables')
    await labUp(9, ['--rate', RATE, '--delay', DELAY, ...NAT, '--nat-of', `p9=${upnpMissing === undefined ? 'cone+upnp' : 'cone'}`])
    net = (await labIp('p1')).split('.').slice(0, 2).join('.')
    const common = async (host: string, dir: string): Promise<string[]> =>
      ['--json', '--no-mdns', '--listen', `/ip4/${await labIp(host)}/tcp/0`, '--public-range', `${net}.0.0/16`, '--data-dir', join(root, dir)]
    const small = join(root, 'small.bin')
    const big = join(root, 'big.bin')
    await writeRandomFile(small, SMALL_BYTES)
    await writeRandomFile(big, bigBytes)
    const share = async (host: string, files: string[], args: string[]): Promise<Seeder> => {
      const seeder = await startSharer(host, files, [...args, ...await common(host, `seed-${host}`)])
      seeders.push(seeder)
      return seeder
    }
    const relay = await share('p1', [small], [])
    const dataRelay = await share('p8', [small], ['--relay-data', '8M'])
    const publicSeeder = await share('p2', [small, big], [])
    const coneSeeder = await share('p4', [small, big], ['--bootstrap', relay.addr])
    const symmetricSeeder = await share('p6', [small, big], ['--bootstrap', dataRelay.addr])
    const upnp = upnpMissing === undefined ? await upnpSeeder('p9', [small, big], await common('p9', 'seed-p9')) : undefined
    if (upnp !== undefined) seeders.push(upnp)
    let n = 0
    const get = async (host: string, link: string, extra: string[] = []): Promise<{ ms: number, relayed: number, ok: boolean }> => {
      const args = ['get', link, '-o', join(root, `out-${++n}`), '--timeout', '60', ...extra, ...await common(host, `get-${n}`)]
      try {
        const { stdout } = await execIn(host, process.execPath, [SHOAL_BIN, ...args])
        const done = JSON.parse(stdout.trim().split('\n').filter(l => l.includes('"event":"done"')).at(-1) ?? '{}')
        return { ms: Number(done.durationMs), relayed: Number(done.relayed), ok: done.event === 'done' }
      } catch {
        return { ms: NaN, relayed: NaN, ok: false }
      }
    }
    const pair = async (host: string, seeder: Seeder, extra: string[] = []): Promise<PairResult> => {
      const firsts: Array<{ ms: number, ok: boolean }> = []
      const bigs: Array<{ ms: number, relayed: number, ok: boolean }> = []
      for (let r = 0; r < rounds; r++) {
        firsts.push(await get(host, seeder.links[0] as string, extra))
        bigs.push(await get(host, seeder.links[1] as string, extra))
      }
      const fine = bigs.filter(b => b.ok)
      const seconds = median(fine.map(b => b.ms)) / 1000
      return {
        firstPieceMs: median(firsts.filter(g => g.ok).map(g => g.ms)),
        seconds,
        mbps: bigBytes * 8 / seconds / 1e6,
        relayed: median(fine.map(b => b.relayed)),
        bytes: bigBytes,
        failed: [...firsts, ...bigs].filter(g => !g.ok).length
      }
    }
    const pairs = {
      direct: await pair('p3', publicSeeder),
      directLibp2p: await pair('p3', publicSeeder, ['--no-direct']),
      publicCone: await pair('p3', coneSeeder),
      coneCone: await pair('p5', coneSeeder),
      symmetricRelay: await pair('p7', symmetricSeeder),
      ...(upnp?.mappedMs !== undefined ? { publicUpnp: await pair('p3', upnp) } : {})
    }
    const tries: Array<{ ms: number, relayed: number, ok: boolean }> = []
    for (let i = 0; i < attempts; i++) tries.push(await get('p5', coneSeeder.links[0] as string))
    const punchedTries = tries.filter(t => t.ok && t.relayed === 0)
    const ratios: Record<string, number> = {}
    for (const [name, p] of Object.entries(pairs)) {
      ratios[`${name}FirstPiece`] = p.firstPieceMs / pairs.direct.firstPieceMs
      ratios[`${name}Throughput`] = p.mbps / pairs.direct.mbps
    }
    return {
      bytes: bigBytes,
      pairs,
      upnp: upnpMissing !== undefined ? { skipped: upnpMissing } : upnp?.mappedMs === undefined ? { skipped: 'the node behind the UPnP router did not report public within 60 s' } : { mappedMs: upnp.mappedMs },
      punch: { attempts, punched: punchedTries.length, medianMs: punchedTries.length > 0 ? median(punchedTries.map(t => t.ms)) : NaN },
      ratios
    }
  } finally {
    for (const s of seeders) s.child.kill('SIGINT')
    await labDown()
    await rm(root, { recursive: true, force: true })
  }
}

/** `shoal share` in a lab host; resolves once it printed a `sharing` event per file. */
async function startSharer (host: string, files: string[], args: string[]): Promise<Seeder> {
  const [cmd, argv] = inHost(host, process.execPath, [SHOAL_BIN, 'share', ...files, ...args])
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'ignore'] })
  return await new Promise((resolve, reject) => {
    const links: string[] = []
    let addr = ''
    const timer = setTimeout(() => reject(new Error(`share in ${host} not ready after 60 s`)), 60_000)
    createInterface({ input: child.stdout! }).on('line', line => {
      if (!line.includes('"event":"sharing"')) return
      const event = JSON.parse(line) as { link: string, addrs: string[], name: string }
      links[files.findIndex(f => f.endsWith(`/${event.name}`))] = event.link
      addr = event.addrs.find(a => !a.includes('/p2p-circuit')) ?? addr
      if (links.filter(l => l !== undefined).length === files.length) { clearTimeout(timer); resolve({ child, links, addr }) }
    })
    child.on('exit', code => { clearTimeout(timer); reject(new Error(`share in ${host} exited ${String(code)}`)) })
  })
}

/**
 * `shoal daemon` in a host behind a UPnP router: waits until it reports public (its mapping made),
 * then shares `files` through it. `mappedMs` stays undefined when that does not happen within 60 s.
 */
async function upnpSeeder (host: string, files: string[], common: string[]): Promise<Seeder> {
  const dataDir = common[common.indexOf('--data-dir') + 1] as string
  const [cmd, argv] = inHost(host, process.execPath, [SHOAL_BIN, 'daemon', ...common])
  const started = Date.now()
  const child = spawn(cmd, argv, { stdio: 'ignore' })
  const cli = async (args: string[]): Promise<Record<string, any>> => {
    const { stdout } = await execIn(host, process.execPath, [SHOAL_BIN, ...args, '--json', '--data-dir', dataDir])
    return JSON.parse(stdout.trim().split('\n').filter(l => l.startsWith('{')).at(-1) ?? '{}')
  }
  let mappedMs: number | undefined
  while (mappedMs === undefined && Date.now() - started < 60_000) {
    await new Promise(resolve => setTimeout(resolve, 250))
    const status: Record<string, any> = await cli(['status']).catch(() => ({}))
    if (status.reachability === 'public') mappedMs = Date.now() - started
  }
  const links: string[] = []
  for (const file of files) links.push((await cli(['share', file])).link as string)
  return { child, links, addr: '', mappedMs }
}
