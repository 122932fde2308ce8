/**
 * Reachability through home routers: netlab NAT routers (../shared/netlab, root only; skipped
 * elsewhere), one lab for all cases, the getters run at once. Each case asserts the bytes:
 *  - seeder behind a cone router, downloader public: done over a direct connection (the seeder
 *    dials back, connection-reversal.ts), no byte through the relay;
 *  - seeder and downloader each behind a cone router, a public signalling relay: done, at most
 *    5 % of the bytes relayed (none can be: the relay carries no data), and bytes from the cone
 *    seeder, which came over a direct path: neither can dial the other's router and neither's
 *    dial-back passes it, so that path is the punched hole (hole-punch.ts);
 *  - symmetric routers: the punch is tried and fails (a new port per destination), so the pair
 *    stays on the data relay and completes, or ends UNREACHABLE on a signalling relay;
 *  - both behind symmetric routers, only a signalling relay: UNREACHABLE with its reason, no hang;
 *  - both behind symmetric routers, a data relay (--relay-data): done, every byte relayed;
 *  - the cone seeder's bare CID, found through the DHT (its provider record carries its relay
 *    address) by a public getter that knows only the relay: done, direct.
 * The lab's 10.x range is private to libp2p: every node counts it public with --public-range (as
 * the internet would be), and some also state their reachability (--reachability).
 */
import { test, before, after } from 'node:test'
import * as assert from 'node:assert/strict'
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { SHOAL_BIN, sha256File } from '../cli/harness.js'
import { MiB, writeRandomFile } from '../helpers/swarm.js'
import { ensureDebianPackage } from '../helpers/debian.js'
import { DIRECT_MIN_BYTES } from '../../src/swarm/requester/constants.js'

const run = promisify(execFile)
const NETLAB = fileURLToPath(new URL('../../../../shared/netlab/netlab', import.meta.url))
/** A lab of its own (namespaces, addresses, queue); override with NETLAB_PREFIX / NETLAB_QUEUE / NETLAB_NET (or SHOAL_REACH_NET). */
const LAB_ENV = { ...process.env, NETLAB_PREFIX: process.env.NETLAB_PREFIX ?? 'sq-', NETLAB_QUEUE: process.env.NETLAB_QUEUE ?? '7786' }
const LAB_NET = process.env.SHOAL_REACH_NET ?? process.env.NETLAB_NET ?? '10.86'
const HOSTS = 9
const NAT = ['--nat-of', 'p2=cone', '--nat-of', 'p4=symmetric', '--nat-of', 'p5=symmetric', '--nat-of', 'p7=symmetric', '--nat-of', 'p8=cone']
/** p9's router offers UPnP when miniupnpd can be installed; else p9 is a plain cone host and the UPnP case skips. */
const UPNP_HOST = 'p9'
const FILE_BYTES = 4 * MiB + 7

const skip = process.getuid?.() !== 0
  ? 'needs root (network namespaces)'
  : !existsSync(NETLAB) ? `needs ${NETLAB}` : false

async function lab (...args: string[]): Promise<string> {
  return (await run(NETLAB, args, { env: LAB_ENV })).stdout.trim()
}

/** argv running shoal inside lab host `host`, listening on its own address, no mDNS, the lab's range counted public. */
async function shoalIn (host: string, dataDir: string, args: string[]): Promise<[string, string[]]> {
  const ip = await lab('ip', host)
  return ['ip', ['netns', 'exec', `${LAB_ENV.NETLAB_PREFIX}${host}`, process.execPath, SHOAL_BIN, ...args, '--json', '--no-mdns',
    '--listen', `/ip4/${ip}/tcp/0`, '--public-range', `${LAB_NET}.0.0/16`, '--data-dir', dataDir]]
}

const servers: ChildProcess[] = []

/** Starts `shoal share` in a host and resolves its `sharing` event. */
async function sharer (host: string, file: string, args: string[], name = host): Promise<Record<string, unknown>> {
  const [cmd, argv] = await shoalIn(host, join(root, `data-${name}`), ['share', file, ...args])
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'] })
  servers.push(child)
  return await new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`share in ${host} printed nothing`)), 60_000)
    child.stdout?.on('data', d => {
      out += String(d)
      const line = out.split('\n').find(l => l.includes('"sharing"'))
      if (line !== undefined) { clearTimeout(timer); resolve(JSON.parse(line)) }
    })
    child.on('exit', code => { clearTimeout(timer); reject(new Error(`share in ${host} exited ${code}: ${out.slice(-300)}`)) })
  })
}

async function getIn (host: string, name: string, link: string, args: string[]): Promise<{ code: number | null, last: Record<string, unknown> }> {
  const [cmd, argv] = await shoalIn(host, join(root, `data-${name}`), ['get', link, '-o', join(root, `out-${name}`), ...args])
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'] })
  let stdout = ''
  child.stdout.on('data', d => { stdout += String(d) })
  const code = await new Promise<number | null>(resolve => child.on('exit', resolve))
  const lines = stdout.trim().split('\n').filter(l => l.startsWith('{'))
  return { code, last: JSON.parse(lines.at(-1) ?? '{}') }
}

function directAddr (sharing: Record<string, unknown>): string {
  const addr = (sharing.addrs as string[]).find(a => !a.includes('/p2p-circuit'))
  assert.ok(addr !== undefined, `no direct address in ${JSON.stringify(sharing.addrs)}`)
  return addr
}

let root = ''
let labMissing: string | undefined
let upnpMissing: string | undefined

before(async () => {
  if (skip !== false) return
  labMissing = ensureDebianPackage('/usr/sbin/iptables', 'iptables')
  if (labMissing !== undefined) return
  upnpMissing = ensureDebianPackage('/usr/sbin/miniupnpd', 'miniupnpd-iptables')
  root = await mkdtemp(join(tmpdir(), 'shoal-nat-'))
  // netlab's check of miniupnpd (`ldd … | grep -q libip4tc` under pipefail) fails when grep exits
  // before ldd has written all its lines, which a loaded machine makes likely (seen twice in a row
  // in one CI run). Three tries with the UPnP router, then the lab without it: only the UPnP test
  // skips, with the reason, and the other NAT tests still run.
  for (let attempt = 1; ; attempt++) {
    try {
      await lab('up', String(HOSTS), '--rate', '100mbit', '--delay', '5ms', '--net', LAB_NET, ...NAT, '--nat-of', `${UPNP_HOST}=${upnpMissing === undefined ? 'cone+upnp' : 'cone'}`)
      break
    } catch (err: any) {
      const reason = String(err.stderr ?? err.message).trim().split('\n').at(-1) ?? ''
      await lab('down').catch(() => {})
      if (upnpMissing === undefined && attempt < 3) continue
      if (upnpMissing === undefined) {
        upnpMissing = `netlab could not build the UPnP router: ${reason}`
        continue
      }
      labMissing = `netlab cannot build its NAT lab here: ${reason}`
      return
    }
  }
  if (!(await labCarriesTcp())) labMissing = 'netlab built the lab, but its hosts cannot reach each other over plain TCP (the lab, not Shoal: see netlab status)'
})

/** A plain TCP connect between two public lab hosts, without Shoal: is the lab itself working? */
async function labCarriesTcp (): Promise<boolean> {
  const ip = await lab('ip', 'p1')
  const server = spawn('ip', ['netns', 'exec', `${LAB_ENV.NETLAB_PREFIX}p1`, process.execPath, '-e',
    `require('net').createServer(s => s.end()).listen(5599, '${ip}'); setTimeout(() => process.exit(), 15000)`], { stdio: 'ignore' })
  try {
    await new Promise(resolve => setTimeout(resolve, 500))
    const probe = await run('ip', ['netns', 'exec', `${LAB_ENV.NETLAB_PREFIX}p3`, process.execPath, '-e',
      `const s = require('net').connect(5599, '${ip}', () => process.exit(0)); s.on('error', () => process.exit(1)); setTimeout(() => process.exit(1), 5000)`]).then(() => true, () => false)
    return probe
  } finally {
    server.kill()
  }
}

after(async () => {
  if (skip !== false || root === '') return
  for (const child of servers) child.kill('SIGTERM')
  await lab('down').catch(() => {})
  await rm(root, { recursive: true, force: true })
})

test('behind NAT routers: cone seeder → public getter direct, by link and by bare CID through the DHT; cone ↔ cone punched; symmetric pair UNREACHABLE via a signalling relay, done via a data relay', { skip, timeout: 240_000 }, async (t) => {
  if (labMissing !== undefined) return t.skip(labMissing)
  const tiny = join(root, 'tiny.bin')
  await writeRandomFile(tiny, 1024)
  const film = join(root, 'film.bin')
  await writeRandomFile(film, FILE_BYTES)
  const want = await sha256File(film)
  const [relay, dataRelay] = await Promise.all([
    sharer('p1', tiny, ['--reachability', 'public']),
    sharer('p6', tiny, ['--reachability', 'public', '--relay-data', '4M'])
  ])
  const [cone, symmetric, symmetricOnDataRelay] = await Promise.all([
    sharer('p2', film, ['--reachability', 'private', '--bootstrap', directAddr(relay)]),
    sharer('p4', film, ['--reachability', 'private', '--bootstrap', directAddr(relay)]),
    sharer('p7', film, ['--reachability', 'private', '--bootstrap', directAddr(dataRelay)])
  ])
  for (const s of [cone, symmetric, symmetricOnDataRelay]) assert.match(s.link as string, /p2p-circuit/, 'a NATed seeder\'s link carries its relay address')

  const others = Promise.all([
    getIn('p5', 'p5', symmetric.link as string, ['--reachability', 'private', '--no-relay-service', '--timeout', '40']),
    getIn('p5', 'p5b', symmetricOnDataRelay.link as string, ['--reachability', 'private', '--no-relay-service', '--timeout', '60'])
  ])
  const punched = getIn('p8', 'p8', cone.link as string, ['--timeout', '60'])
  const fromCone = await getIn('p3', 'p3', cone.link as string, ['--reachability', 'public', '--timeout', '60'])
  // After the first getter has ended, so the bytes of the bare-CID get can only come from a seeder found in the DHT.
  const bare = await getIn('p3', 'p3b', cone.cid as string, ['--reachability', 'public', '--timeout', '60', '--bootstrap', directAddr(relay)])
  const [unreachable, relayed] = await others
  const coneToCone = await punched
  assert.equal(coneToCone.code, 0, JSON.stringify(coneToCone.last))
  assert.equal(await sha256File(coneToCone.last.path as string), want)
  assert.ok((coneToCone.last.relayed as number) <= FILE_BYTES * 0.05, `cone ↔ cone: ${String(coneToCone.last.relayed)} of ${FILE_BYTES} bytes relayed`)
  // The rest may come from the public getter, which downloads at the same time and serves what it has.
  assert.ok(((coneToCone.last.peers as Record<string, number>)[cone.peerId as string] ?? 0) > 0, `no byte from the cone seeder: ${JSON.stringify(coneToCone.last.peers)}`)

  assert.equal(fromCone.code, 0, JSON.stringify(fromCone.last))
  assert.equal(await sha256File(fromCone.last.path as string), want)
  assert.equal(fromCone.last.relayed, 0, 'the cone seeder\'s pieces came over a direct path')

  assert.equal(unreachable.code, 1, JSON.stringify(unreachable.last))
  assert.equal(unreachable.last.code, 'UNREACHABLE', JSON.stringify(unreachable.last))
  assert.match(unreachable.last.message as string, /reachable only through relays that carry no data/)

  assert.equal(relayed.code, 0, JSON.stringify(relayed.last))
  assert.equal(await sha256File(relayed.last.path as string), want)
  assert.equal(relayed.last.relayed, FILE_BYTES, 'every byte came through the data relay')

  assert.equal(bare.code, 0, JSON.stringify(bare.last))
  assert.equal(await sha256File(bare.last.path as string), want)
  // The film's seeders are all behind NATs and known to this getter only from the DHT.
  const seeders = new Set([cone.peerId, symmetric.peerId, symmetricOnDataRelay.peerId])
  const fromSeeders = Object.entries(bare.last.peers as Record<string, number>).filter(([peer]) => seeders.has(peer)).reduce((sum, [, n]) => sum + n, 0)
  assert.ok(fromSeeders > 0, `no bytes from a NATed seeder found in the DHT: ${JSON.stringify(bare.last.peers)}`)
  assert.equal(bare.last.relayed, 0)
})

/** `shoal <args> --json` in a lab host, for commands that talk to a running daemon (no listen flags). */
async function cliIn (host: string, args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run('ip', ['netns', 'exec', `${LAB_ENV.NETLAB_PREFIX}${host}`, process.execPath, SHOAL_BIN, ...args, '--json'])
  return JSON.parse(stdout.trim().split('\n').filter(l => l.startsWith('{')).at(-1) ?? '{}')
}

test('behind a UPnP router: the node maps its ports, reports public, and serves getters (public and behind a cone router) directly, over its direct port too, nothing relayed', { skip, timeout: 150_000 }, async (t) => {
  if (labMissing !== undefined) return t.skip(labMissing)
  if (upnpMissing !== undefined) return t.skip(`no UPnP router: ${upnpMissing}`)
  const wan = /public=(\S+)/.exec((await lab('hosts')).split('\n').find(l => l.startsWith(`${UPNP_HOST} `)) ?? '')?.[1]
  assert.ok(wan !== undefined, `netlab gave ${UPNP_HOST} no public address`)
  const dataDir = join(root, 'data-upnp')
  // No bootstrap, no relay, no stated reachability: what the node learns comes from the router.
  const [cmd, argv] = await shoalIn(UPNP_HOST, dataDir, ['daemon'])
  servers.push(spawn(cmd, argv, { stdio: 'ignore' }))
  let status: Record<string, unknown> = {}
  const deadline = Date.now() + 60_000
  while (status.reachability !== 'public' && Date.now() < deadline) {
    await new Promise(resolve => setTimeout(resolve, 1_000))
    status = await cliIn(UPNP_HOST, ['status', '--data-dir', dataDir]).catch(() => ({}))
  }
  assert.equal(status.reachability, 'public', `the node behind the UPnP router reported ${JSON.stringify(status)}`)
  const mapped = (status.addrs as string[]).find(a => a.startsWith(`/ip4/${wan}/tcp/`))
  assert.ok(mapped !== undefined, `no address on the router's WAN ${wan} among ${JSON.stringify(status.addrs)}`)
  assert.deepEqual(status.relays, [], 'a node public through its mapping holds no relay reservation')

  // Big enough for direct connections: the router maps Shoal's direct port too.
  const film = join(root, 'upnp-film.bin')
  await writeRandomFile(film, DIRECT_MIN_BYTES + MiB)
  const want = await sha256File(film)
  const shared = await cliIn(UPNP_HOST, ['share', film, '--data-dir', dataDir])
  assert.equal(shared.event, 'sharing', JSON.stringify(shared))
  assert.ok(decodeURIComponent(shared.link as string).includes(mapped.split('/p2p/')[0]!), `the link carries the mapped address: ${String(shared.link)}`)
  const [fromPublic, fromCone] = await Promise.all([
    getIn('p3', 'p3-upnp', shared.link as string, ['--reachability', 'public', '--timeout', '60']),
    getIn('p8', 'p8-upnp', shared.link as string, ['--timeout', '60'])
  ])
  for (const [who, got] of [['public getter', fromPublic], ['getter behind a cone router', fromCone]] as const) {
    assert.equal(got.code, 0, `${who}: ${JSON.stringify(got.last)}`)
    assert.equal(await sha256File(got.last.path as string), want, who)
    assert.equal(got.last.relayed, 0, `${who}: no byte relayed`)
    assert.ok(((got.last.peers as Record<string, number>)[shared.peerId as string] ?? 0) > 0, `${who}: no byte from the node behind UPnP: ${JSON.stringify(got.last.peers)}`)
  }
  assert.ok((fromPublic.last.direct as number) > 0, `the public getter reached the mapped direct port: ${JSON.stringify(fromPublic.last)}`)
})

test('a crowd, half of it behind cone routers: every getter completes, and the NATed getters served others', { skip, timeout: 180_000 }, async (t) => {
  if (labMissing !== undefined) return t.skip(labMissing)
  const tiny = join(root, 'crowd-tiny.bin')
  await writeRandomFile(tiny, 1024)
  const film = join(root, 'crowd-film.bin')
  await writeRandomFile(film, 2 * FILE_BYTES)
  const want = await sha256File(film)
  const relay = await sharer('p1', tiny, ['--reachability', 'public'], 'crowd-relay')
  // A seeder slower than the crowd, so getters take pieces from each other.
  const seeder = await sharer('p3', film, ['--reachability', 'public', '--upload-limit', '1M'], 'crowd-seeder')
  const crowd = [['p2', 'cone'], ['p8', 'cone'], ['p1', 'public'], ['p6', 'public']] as const
  const ids = new Map<string, string>()
  for (const [host] of crowd) {
    const id = await cliIn(host, ['id', '--no-mdns', '--data-dir', join(root, `data-crowd-${host}`)])
    ids.set(host, id.peerId as string)
  }
  const results = await Promise.all(crowd.map(async ([host, kind]) => await getIn(host, `crowd-${host}`, seeder.link as string,
    ['--timeout', '120', '--bootstrap', directAddr(relay), ...(kind === 'public' ? ['--reachability', 'public'] : [])])))
  const servedBy = new Map<string, number>()
  for (const [i, [host]] of crowd.entries()) {
    const got = results[i]!
    assert.equal(got.code, 0, `${host}: ${JSON.stringify(got.last)}`)
    assert.equal(await sha256File(got.last.path as string), want, host)
    for (const [peer, bytes] of Object.entries(got.last.peers as Record<string, number>)) servedBy.set(peer, (servedBy.get(peer) ?? 0) + bytes)
  }
  for (const [host, kind] of crowd) {
    if (kind === 'cone') assert.ok((servedBy.get(ids.get(host)!) ?? 0) > 0, `the getter behind ${host}'s cone router served nobody: ${JSON.stringify(Object.fromEntries(servedBy))}`)
  }
})
