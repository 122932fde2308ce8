/**
 * LAN discovery: on a LAN, `shoal get <bare CID>` finds a sharer through mDNS alone, with no
 * bootstrap peer and no link. The two hosts are network namespaces on one bridge, built with
 * ../shared/netlab (root only; skipped elsewhere), so the multicast never leaves this machine.
 * A third host with `--no-mdns` does not find it: mDNS, not something else, found the peer.
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

const run = promisify(execFile)
const NETLAB = fileURLToPath(new URL('../../../../shared/netlab/netlab', import.meta.url))
/** A lab of its own (namespaces, addresses, queue), so it never meets a benchmark's lab. */
const LAB_ENV = { ...process.env, NETLAB_PREFIX: 'shm-', NETLAB_QUEUE: '7793' }
const LAB_NET = '10.93'
const HOSTS = ['p1', 'p2', 'p3']

const skip = process.getuid?.() !== 0
  ? 'needs root (network namespaces)'
  : !existsSync(NETLAB) ? `needs ${NETLAB}` : false

async function lab (...args: string[]): Promise<string> {
  return (await run(NETLAB, args, { env: LAB_ENV })).stdout.trim()
}

/** argv running shoal inside a lab host, listening on its lab address, mDNS on unless `extra` turns it off. */
function shoalIn (host: string, ip: string, dataDir: string, args: string[]): [string, string[]] {
  return ['ip', ['netns', 'exec', `${LAB_ENV.NETLAB_PREFIX}${host}`, process.execPath, SHOAL_BIN, ...args, '--json', '--listen', `/ip4/${ip}/tcp/0`, '--data-dir', dataDir]]
}

async function runToEnd (command: [string, string[]]): Promise<{ code: number | null, last: Record<string, unknown> }> {
  const child = spawn(command[0], command[1], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  child.stdout.on('data', d => { stdout += String(d) })
  const code = await new Promise<number | null>(resolve => child.on('exit', resolve))
  const lines = stdout.trim().split('\n').filter(l => l.startsWith('{'))
  return { code, last: JSON.parse(lines.at(-1) ?? '{}') }
}

let root = ''
let sharer: ChildProcess | undefined
const ips: Record<string, string> = {}
/** Why the lab could not be built on this machine (missing iptables, kernel features...), if so. */
let labMissing: string | undefined

before(async () => {
  if (skip !== false) return
  // netlab delays packets through an iptables NFQUEUE rule: a clean machine may lack iptables.
  labMissing = ensureDebianPackage('/usr/sbin/iptables', 'iptables')
  if (labMissing !== undefined) return
  root = await mkdtemp(join(tmpdir(), 'shoal-mdns-'))
  try {
    await lab('up', String(HOSTS.length), '--rate', '100mbit', '--delay', '2ms', '--net', LAB_NET)
  } catch (err: any) {
    labMissing = `netlab cannot build its hosts here: ${String(err.stderr ?? err.message).trim().split('\n').at(-1) ?? ''}`
    return
  }
  for (const host of HOSTS) {
    ips[host] = await lab('ip', host)
    // Lab hosts route only their own subnet; a LAN host's default route also carries multicast.
    await run('ip', ['netns', 'exec', `${LAB_ENV.NETLAB_PREFIX}${host}`, 'ip', 'route', 'add', '224.0.0.0/4', 'dev', 'eth0'])
  }
})

after(async () => {
  if (skip !== false || root === '') return
  sharer?.kill('SIGTERM')
  await lab('down').catch(() => {})
  await rm(root, { recursive: true, force: true })
})

test('get <bare CID> finds the sharer through mDNS alone; with --no-mdns it does not', { skip, timeout: 90_000 }, async (t) => {
  if (labMissing !== undefined) return t.skip(labMissing)
  const file = join(root, 'lan.bin')
  await writeRandomFile(file, 3 * MiB + 5)
  const [cmd, argv] = shoalIn('p1', ips.p1 as string, join(root, 'sharer'), ['share', file])
  sharer = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'] })
  const sharing = await new Promise<Record<string, unknown>>((resolve, reject) => {
    let out = ''
    sharer?.stdout?.on('data', d => {
      out += String(d)
      const line = out.split('\n').find(l => l.includes('"sharing"'))
      if (line !== undefined) resolve(JSON.parse(line))
    })
    sharer?.on('exit', code => reject(new Error(`share exited ${code}`)))
  })
  const cid = sharing.cid as string

  const found = await runToEnd(shoalIn('p2', ips.p2 as string, join(root, 'getter'), ['get', cid, '-o', join(root, 'out'), '--timeout', '30']))
  assert.equal(found.code, 0, JSON.stringify(found.last))
  assert.equal(found.last.event, 'done')
  assert.deepEqual(Object.keys(found.last.peers as object), [sharing.peerId], 'all bytes came from the sharer, found on the LAN')
  assert.equal(await sha256File(found.last.path as string), await sha256File(file))

  const blind = await runToEnd(shoalIn('p3', ips.p3 as string, join(root, 'blind'), ['get', cid, '-o', join(root, 'out-blind'), '--timeout', '5', '--no-mdns']))
  assert.equal(blind.code, 1)
  assert.equal(blind.last.code, 'TIMEOUT', JSON.stringify(blind.last))
})
