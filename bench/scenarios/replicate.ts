/**
 * `npm run bench -- replicate`: in netlab (root; lab prefix ss-, net 10.83, queue 7783, or
 * STORAGE_NETLAB_PREFIX / _NET / _QUEUE), an owner daemon replicates 256 MiB (64 MiB with --quick)
 * to three volunteer daemons over 20 Mbit/s links (10 ms). Reports the time until all three hold it
 * (the whole `shoal replicate` command, sealing included), the fluid bound for one uploader feeding a
 * swarm of three, and what the owner uploaded, in copies of the content (Tahoe-style client-side
 * upload of N copies sends 3).
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { MIB, writeRandomFile } from '../lib/files.js'
import { NETLAB } from '../lib/netlab.js'
import { startBackground, type Background } from '../lib/proc.js'
import { SHOAL_BIN } from '../lib/shoal-cli.js'

const run = promisify(execFile)
const PREFIX = process.env.STORAGE_NETLAB_PREFIX ?? 'ss-'
const NET = process.env.STORAGE_NETLAB_NET ?? '10.83'
const ENV = { ...process.env, NETLAB_PREFIX: PREFIX, NETLAB_QUEUE: process.env.STORAGE_NETLAB_QUEUE ?? '7783' }
const RATE_MBIT = 20
const VOLUNTEERS = ['p2', 'p3', 'p4']

export interface ReplicateResult {
  bytes: number
  rateMbit: number
  seconds: number
  fluidBoundSeconds: number
  ratioToBound: number
  ownerUploadedBytes: number
  ownerUploadCopies: number
}

async function lab (...args: string[]): Promise<string> {
  return (await run(NETLAB, args, { env: ENV, maxBuffer: 1 << 24 })).stdout.trim()
}

function shoal (host: string, args: string[]): [string, string[]] {
  return ['ip', ['netns', 'exec', `${PREFIX}${host}`, process.execPath, SHOAL_BIN, ...args]]
}

async function shoalJson (host: string, args: string[]): Promise<Record<string, unknown>> {
  const [cmd, argv] = shoal(host, [...args, '--json'])
  const { stdout } = await run(cmd, argv, { maxBuffer: 1 << 24 })
  return JSON.parse(stdout.trim().split('\n').filter(l => l.startsWith('{')).at(-1) ?? '{}')
}

export async function replicateBench (options: { quick: boolean }): Promise<ReplicateResult> {
  if (process.getuid?.() !== 0) throw new Error('the replicate benchmark needs root (network namespaces)')
  const bytes = (options.quick ? 64 : 256) * MIB
  const root = await mkdtemp(join(tmpdir(), 'shoal-bench-replicate-'))
  const daemons: Background[] = []
  try {
    await lab('up', '4', '--rate', `${RATE_MBIT}mbit`, '--delay', '10ms', '--net', NET)
    const ip = async (host: string): Promise<string> => await lab('ip', host)
    const net = async (host: string): Promise<string[]> => ['--no-mdns', '--api', '127.0.0.1:0', '--listen', `/ip4/${await ip(host)}/tcp/0`, '--data-dir', join(root, host), '--json']
    const addrs: string[] = []
    for (const host of VOLUNTEERS) {
      const [cmd, argv] = shoal(host, ['daemon', '--offer-storage', '4G', ...await net(host)])
      const daemon = startBackground(cmd, argv, /"event":"api"/)
      daemons.push(daemon)
      addrs.push((JSON.parse(await daemon.firstLine) as { addrs: string[] }).addrs[0]!)
    }
    const [cmd, argv] = shoal('p1', ['daemon', ...addrs.flatMap(a => ['--bootstrap', a]), ...await net('p1')])
    const owner = startBackground(cmd, argv, /"event":"api"/)
    daemons.push(owner)
    await owner.firstLine
    const file = join(root, 'content.bin')
    await writeRandomFile(file, bytes)
    const before = Number((await shoalJson('p1', ['status', '--data-dir', join(root, 'p1')])).uploadedBytes ?? 0)
    const started = Date.now()
    const done = await shoalJson('p1', ['replicate', file, '--copies', '3', '--same-network-ok', '--data-dir', join(root, 'p1')])
    const seconds = (Date.now() - started) / 1000
    if (done.event !== 'replicated') throw new Error(`replicate did not finish: ${JSON.stringify(done)}`)
    const after = Number((await shoalJson('p1', ['status', '--data-dir', join(root, 'p1')])).uploadedBytes ?? 0)
    // One uploader at rate u feeding 3 peers of up/down rate u: T >= max(F/u, F/d, 3F/(u + 3u)) = F/u.
    const rate = RATE_MBIT * 1e6 / 8
    const fluidBoundSeconds = Math.max(bytes / rate, 3 * bytes / (rate + VOLUNTEERS.length * rate))
    const ownerUploadedBytes = after - before
    return { bytes, rateMbit: RATE_MBIT, seconds, fluidBoundSeconds, ratioToBound: seconds / fluidBoundSeconds, ownerUploadedBytes, ownerUploadCopies: ownerUploadedBytes / bytes }
  } finally {
    for (const daemon of daemons) await daemon.stop().catch(() => {})
    await lab('down').catch(() => {})
    await rm(root, { recursive: true, force: true })
  }
}

