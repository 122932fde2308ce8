/**
 * Failure domains in ../shared/netlab (root only; skipped elsewhere): four volunteers, two of them
 * on one /24 (10.83.4.2 and 10.83.4.3), the others on 10.83.2.0/24 and 10.83.3.0/24. `replicate
 * --copies 3` puts the copies on three domains, never two on 10.83.4.0/24; with the 10.83.3.x
 * volunteer gone, only two domains are left and it says so (NOT_ENOUGH_HOLDERS).
 * Lab of its own: NETLAB_PREFIX ss-, --net 10.83, NETLAB_QUEUE 7783 (env overrides them).
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
import { SHOAL_BIN } from '../cli/harness.js'
import { MiB, writeRandomFile } from '../helpers/swarm.js'
import { ensureDebianPackage } from '../helpers/debian.js'

const run = promisify(execFile)
const NETLAB = fileURLToPath(new URL('../../../../shared/netlab/netlab', import.meta.url))
const PREFIX = process.env.STORAGE_NETLAB_PREFIX ?? 'ss-'
const LAB_ENV = { ...process.env, NETLAB_PREFIX: PREFIX, NETLAB_QUEUE: process.env.STORAGE_NETLAB_QUEUE ?? '7783' }
const LAB_NET = process.env.STORAGE_NETLAB_NET ?? '10.83'
/** Volunteer host → its one address: p4 and p5 share a /24. */
const VOLUNTEERS: Record<string, string> = { p2: `${LAB_NET}.2.2`, p3: `${LAB_NET}.3.2`, p4: `${LAB_NET}.4.2`, p5: `${LAB_NET}.4.3` }

const skip = process.getuid?.() !== 0
  ? 'needs root (network namespaces)'
  : !existsSync(NETLAB) ? `needs ${NETLAB}` : false

async function lab (...args: string[]): Promise<string> {
  return (await run(NETLAB, args, { env: LAB_ENV })).stdout.trim()
}

async function inHost (host: string, ...argv: string[]): Promise<void> {
  await run('ip', ['netns', 'exec', `${PREFIX}${host}`, ...argv])
}

function shoalIn (host: string, args: string[]): ChildProcess {
  return spawn('ip', ['netns', 'exec', `${PREFIX}${host}`, process.execPath, SHOAL_BIN, ...args, '--json', '--no-mdns'], { stdio: ['ignore', 'pipe', 'pipe'] })
}

async function lastEvent (child: ChildProcess, until?: string): Promise<{ code: number | null, last: Record<string, unknown> }> {
  let stdout = ''
  child.stdout?.on('data', d => { stdout += String(d) })
  return await new Promise(resolve => {
    const check = (): void => {
      const lines = stdout.trim().split('\n').filter(l => l.startsWith('{'))
      const found = until !== undefined ? lines.find(l => l.includes(`"event":"${until}"`)) : undefined
      if (found !== undefined) resolve({ code: null, last: JSON.parse(found) })
    }
    child.stdout?.on('data', check)
    child.on('exit', code => {
      const lines = stdout.trim().split('\n').filter(l => l.startsWith('{'))
      resolve({ code, last: JSON.parse(lines.at(-1) ?? '{}') })
    })
  })
}

let root = ''
let labMissing: string | undefined
const daemons = new Map<string, ChildProcess>()

before(async () => {
  if (skip !== false) return
  labMissing = ensureDebianPackage('/usr/sbin/iptables', 'iptables')
  if (labMissing !== undefined) return
  root = await mkdtemp(join(tmpdir(), 'shoal-domains-'))
  try {
    await lab('up', '5', '--rate', '100mbit', '--delay', '2ms', '--net', LAB_NET)
    for (const [host, addr] of Object.entries(VOLUNTEERS)) {
      const primary = await lab('ip', host)
      // Deleting an interface's primary address drops its secondaries too: delete first, then add.
      await inHost(host, 'ip', 'addr', 'del', `${primary}/16`, 'dev', 'eth0')
      await inHost(host, 'ip', 'addr', 'add', `${addr}/16`, 'dev', 'eth0')
    }
  } catch (err: any) {
    labMissing = `netlab cannot build its hosts here: ${String(err.stderr ?? err.message).trim().split('\n').at(-1) ?? ''}`
  }
})

after(async () => {
  if (skip !== false || root === '') return
  for (const child of daemons.values()) child.kill('SIGTERM')
  await lab('down').catch(() => {})
  await rm(root, { recursive: true, force: true })
})

test('replicate --copies 3 spreads over three /24s, and with two left says so', { skip, timeout: 180_000 }, async (t) => {
  if (labMissing !== undefined) return t.skip(labMissing)
  const addrs: Record<string, string> = {}
  for (const [host, addr] of Object.entries(VOLUNTEERS)) {
    const child = shoalIn(host, ['daemon', '--api', '127.0.0.1:0', '--offer-storage', '64M', '--listen', `/ip4/${addr}/tcp/0`, '--data-dir', join(root, host)])
    daemons.set(host, child)
    const { last } = await lastEvent(child, 'api')
    addrs[host] = (last.addrs as string[])[0]!
  }
  const owner = await lab('ip', 'p1')
  const file = join(root, 'family-photos.bin')
  await writeRandomFile(file, 4 * MiB)
  const bootstrap = Object.values(addrs).flatMap(a => ['--bootstrap', a])
  const placed = await lastEvent(shoalIn('p1', ['replicate', file, '--copies', '3', '--listen', `/ip4/${owner}/tcp/0`, '--data-dir', join(root, 'owner'), ...bootstrap]))
  assert.equal(placed.code, 0, JSON.stringify(placed.last))
  assert.equal(placed.last.event, 'replicated')
  const holders = (placed.last.holders as Array<{ peerId: string }>).map(h => h.peerId)
  const hostOf = (peerId: string): string => Object.entries(addrs).find(([, a]) => a.endsWith(peerId))![0]
  const domains = holders.map(id => VOLUNTEERS[hostOf(id)]!.split('.').slice(0, 3).join('.'))
  assert.equal(new Set(domains).size, 3, `three copies on three /24s: ${domains.join(', ')}`)

  daemons.get('p3')?.kill('SIGTERM')
  await new Promise(resolve => daemons.get('p3')?.once('exit', resolve))
  const second = join(root, 'tax.bin')
  await writeRandomFile(second, 1 * MiB)
  const few = await lastEvent(shoalIn('p1', ['replicate', second, '--copies', '3', '--listen', `/ip4/${owner}/tcp/0`, '--data-dir', join(root, 'owner-2'),
    ...['p2', 'p4', 'p5'].flatMap(h => ['--bootstrap', addrs[h]!])]))
  assert.equal(few.code, 1)
  assert.equal(few.last.code, 'NOT_ENOUGH_HOLDERS', JSON.stringify(few.last))
  assert.match(few.last.message as string, /in 2 failure domain\(s\)/)
})
