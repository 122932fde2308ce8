import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdtemp, open, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createNode, type ShoalNode } from '../../node/node.js'
import type { DownloadProgress, DownloadResult } from '../../swarm/requester/download.js'
import { ErrorCode, ShoalError } from '../../errors.js'
import { parseSize, type Parsed } from '../args.js'
import { formatBytes, formatDuration, formatRate } from '../format.js'
import { renderProgress } from '../progress-bar.js'
import type { Reporter } from '../reporter.js'

export const DEMO_HELP = `Usage: shoal demo [--peers N] [--size SIZE] [--json]

Starts a small swarm on this machine (loopback only, nothing leaves it): one peer shares a
generated file, the others download it at the same time, pulling pieces from the sharer and
from each other. Then the sharer leaves, and one more peer still downloads the file from the
rest. Every copy is checked byte for byte against the original.

Options:
  --peers N      peers in the swarm, sharer included (default 6, 3..16)
  --size SIZE    size of the generated file (default 64M; e.g. 16M, 256M, 1G)
  --json         one JSON event per line`

export const DEFAULT_PEERS = 6
export const DEFAULT_SIZE = 64 * 1024 * 1024
const REFRESH_MS = 250

interface Peer { name: string, node: ShoalNode, progress?: DownloadProgress, result?: DownloadResult }

export async function demo (parsed: Parsed, reporter: Reporter): Promise<number> {
  const count = parsed.values.peers !== undefined ? Number(parsed.values.peers) : DEFAULT_PEERS
  if (!Number.isInteger(count) || count < 3 || count > 16) throw new ShoalError(ErrorCode.BadArgument, '--peers takes a whole number from 3 to 16')
  const size = parsed.values.size !== undefined ? parseSize(parsed.values.size as string, '--size') : DEFAULT_SIZE
  const dir = await mkdtemp(join(tmpdir(), 'shoal-demo-'))
  const peers: Peer[] = []
  try {
    reporter.note(`Generating a ${formatBytes(size)} file…`)
    const source = join(dir, 'shared', 'demo.bin')
    const sourceHash = await writeRandomFile(source, size)

    const names = ['alice', 'bob', 'carol', 'dan', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'niaj', 'olivia', 'peggy', 'rupert', 'sybil']
    const start = async (name: string, bootstrap: string[]): Promise<Peer> => {
      const node = await createNode({ dataDir: join(dir, name), listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, bootstrap })
      const peer = { name, node }
      peers.push(peer)
      return peer
    }
    const alice = await start(names[0] as string, [])
    const shared = await alice.node.share(source)
    const boot = alice.node.addrs().slice(0, 1)
    reporter.event({ event: 'sharing', link: shared.link, cid: shared.cid, peerId: alice.node.peerId, addrs: alice.node.addrs() })
    reporter.say(`${alice.name} shares ${shared.name} (${formatBytes(shared.bytes)}, ${shared.pieces} pieces)\n  ${shared.link}\n`)

    const crowd = await Promise.all(names.slice(1, count - 1).map(async name => await start(name, boot)))
    reporter.say(`${crowd.map(p => p.name).join(', ')} download it at once:`)
    await downloadAll(crowd, shared.link, dir, reporter, peers)

    reporter.say(`\n${alice.name} leaves the swarm.`)
    await alice.node.stop()
    const late = await start(names[count - 1] as string, crowd.slice(0, 1).flatMap(p => p.node.addrs().slice(0, 1)))
    reporter.say(`${late.name} arrives later and downloads from the others:`)
    await downloadAll([late], shared.link, dir, reporter, peers)

    const downloaders = [...crowd, late]
    reporter.say('\nBytes each downloader got, by source:')
    printSourceTable(downloaders, peers, reporter)
    let identical = 0
    for (const peer of downloaders) {
      const hash = await hashFile(peer.result?.path ?? '')
      if (hash === sourceHash) identical++
      reporter.event({ event: 'verified', peer: peer.name, path: peer.result?.path, identical: hash === sourceHash })
    }
    const fromPeers = downloaders.reduce((sum, p) => sum + Object.entries(p.result?.peers ?? {})
      .filter(([id]) => id !== alice.node.peerId).reduce((s, [, b]) => s + b, 0), 0)
    const total = downloaders.reduce((sum, p) => sum + (p.result?.received ?? 0), 0)
    reporter.say(`\n${identical} of ${downloaders.length} copies are byte-for-byte identical to the original (SHA-256 ${sourceHash.slice(0, 16)}…).`)
    reporter.say(`${total === 0 ? 0 : Math.round(100 * fromPeers / total)}% of all bytes came from other downloaders rather than from ${alice.name}.`)
    reporter.event({ event: 'demo-done', peers: count, bytes: size, identical, downloads: downloaders.length, fromPeersFraction: total === 0 ? 0 : fromPeers / total })
    return identical === downloaders.length ? 0 : 1
  } finally {
    await Promise.all(peers.map(async p => await p.node.stop().catch(() => {})))
    await rm(dir, { recursive: true, force: true })
  }
}

async function downloadAll (downloaders: Peer[], link: string, dir: string, reporter: Reporter, everyone: Peer[]): Promise<void> {
  let drawn = 0
  const draw = (): void => {
    if (!reporter.tty) return
    if (drawn > 0) process.stderr.write(`\x1b[${drawn}A`)
    for (const peer of downloaders) {
      const text = peer.result !== undefined
        ? `done in ${formatDuration(peer.result.durationMs)}, ${formatRate(peer.result.received / Math.max(peer.result.durationMs / 1000, 0.001))}`
        : peer.progress !== undefined ? renderProgress(peer.progress) : 'starting…'
      process.stderr.write(`\x1b[2K  ${peer.name.padEnd(8)} ${text}\n`)
    }
    drawn = downloaders.length
  }
  const timer = setInterval(draw, REFRESH_MS)
  try {
    await Promise.all(downloaders.map(async peer => {
      peer.result = await peer.node.get(link, { output: join(dir, peer.name, 'downloads'), onProgress: p => { peer.progress = p } })
      reporter.event({ event: 'done', peer: peer.name, cid: peer.result.cid, path: peer.result.path, bytes: peer.result.bytes, received: peer.result.received, peers: namesOf(peer.result.peers, everyone) })
    }))
  } finally {
    clearInterval(timer)
    draw()
  }
  if (!reporter.tty) {
    for (const peer of downloaders) reporter.say(`  ${peer.name.padEnd(8)} done in ${formatDuration(peer.result?.durationMs ?? 0)}`)
  }
}

function namesOf (byPeer: Record<string, number>, everyone: Peer[]): Record<string, number> {
  const named: Record<string, number> = {}
  for (const [id, bytes] of Object.entries(byPeer)) {
    named[everyone.find(p => p.node.peerId === id)?.name ?? id] = bytes
  }
  return named
}

function printSourceTable (downloaders: Peer[], everyone: Peer[], reporter: Reporter): void {
  const sources = everyone.filter(p => downloaders.some(d => (d.result?.peers[p.node.peerId] ?? 0) > 0))
  reporter.say(`  ${'from →'.padEnd(8)} ${sources.map(s => s.name.padStart(10)).join(' ')}`)
  for (const d of downloaders) {
    const cells = sources.map(s => (d.result?.peers[s.node.peerId] ?? 0) > 0 ? formatBytes(d.result?.peers[s.node.peerId] ?? 0).padStart(10) : '–'.padStart(10))
    reporter.say(`  ${d.name.padEnd(8)} ${cells.join(' ')}`)
  }
}

async function writeRandomFile (path: string, size: number): Promise<string> {
  const { mkdir } = await import('node:fs/promises')
  await mkdir(join(path, '..'), { recursive: true })
  const hash = createHash('sha256')
  const handle = await open(path, 'w')
  try {
    const chunk = 1024 * 1024
    for (let written = 0; written < size; written += chunk) {
      const bytes = randomBytes(Math.min(chunk, size - written))
      hash.update(bytes)
      await handle.write(bytes)
    }
  } finally {
    await handle.close()
  }
  return hash.digest('hex')
}

async function hashFile (path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}
