import { resolve } from 'node:path'
import { createNode, type ShoalNode } from '../../node/node.js'
import { ErrorCode, ShoalError } from '../../errors.js'
import { STORAGE_SERVICE, type StorageService } from '../../storage/service.js'
import type { Replicated } from '../../storage/replicator.js'
import type { ReplicateJob } from '../../storage/replicate-jobs.js'
import type { ApiClient } from '../../api/client.js'
import { nodeOptions, type Parsed } from '../args.js'
import { formatDate, shortId } from '../format.js'
import type { Reporter } from '../reporter.js'
import { signalOnInterrupt } from '../signals.js'
import { findDaemon } from '../remote/find-daemon.js'
import { storageOptions } from '../storage-args.js'

export const REPLICATE_HELP = `Usage: shoal replicate <path-or-secret-link> --copies N [options]

Encrypts a path as 'share --secret' does (or takes a secret link), finds N volunteers
('shoal daemon --offer-storage <size>') on distinct failure domains (one copy per IPv4 /24 or
IPv6 /48), asks each to hold it under a 30-day lease, and waits until N of them hold all of it
and pass an audit. Prints the link with its key and exits 0. With 'shoal daemon' running on the
data directory the daemon does it, and then renews the leases, audits the holders and repairs
lost copies while it runs.

Options:
  --copies <N>           copies wanted (default 3)
  --same-network-ok      allow several copies on one failure domain (tests on one machine)
  --json                 the last line is {"event":"replicated","cid","link","copies","holders":[…]}
  --data-dir, --listen, --bootstrap, --no-mdns, --network-key, -h/--help as for every command

Too few volunteers: NOT_ENOUGH_HOLDERS (the leases granted stay; 'shoal ls' shows them).`

/** Without a daemon: how long to wait for a first connection to a bootstrap peer. */
const FIRST_PEER_WAIT_MS = 10_000
/** How often the command asks the daemon how its replication is going. */
const JOB_POLL_MS = 500

export async function replicate (parsed: Parsed, reporter: Reporter): Promise<number> {
  const target = parsed.positionals[0]
  if (target === undefined || parsed.positionals.length > 1) {
    throw new ShoalError(ErrorCode.BadArgument, 'replicate takes one path or secret link: shoal replicate <path-or-link> --copies N')
  }
  const copies = parseCopies(parsed.values.copies)
  const sameNetworkOk = parsed.values['same-network-ok'] === true
  const isLink = target.trim().toLowerCase().startsWith('shoal:')
  const what = isLink ? target : resolve(target)
  const interrupt = signalOnInterrupt()
  try {
    const running = await findDaemon(parsed.values)
    let result: Replicated
    if (running !== undefined) {
      reporter.note(`replicating in the daemon (pid ${running.pid})…`)
      result = await followJob(running.client, await running.client.request<ReplicateJob>('POST', '/replicas', { target: what, copies, sameNetworkOk }, undefined, interrupt.signal), interrupt.signal)
    } else {
      const node = await createNode({ ...nodeOptions(parsed.values), storage: storageOptions(parsed.values) }, { warning: message => reporter.note(`warning: ${message}`) })
      try {
        await firstPeer(node, interrupt.signal)
        const storage = node.service<StorageService>(STORAGE_SERVICE)
        if (storage === undefined) throw new ShoalError(ErrorCode.BadArgument, 'storage is switched off on this node')
        result = await storage.replicate(what, { copies, sameNetworkOk, signal: interrupt.signal })
      } finally {
        await node.stop()
      }
    }
    const holders = result.replication.holders.filter(h => h.state === 'held').map(h => ({ peerId: h.peerId, state: h.state, expiresAt: h.expiresAt }))
    reporter.say(`Replicated ${result.replication.name}: ${holders.length} of ${copies} copies held`)
    reporter.say(`  link: ${result.link}`)
    reporter.say('  (keep it: without #k nobody can read the copies)')
    for (const h of holders) reporter.say(`  ${shortId(h.peerId)}  held  lease to ${formatDate(h.expiresAt)}`)
    reporter.event({ event: 'replicated', cid: result.replication.cid, link: result.link, copies, holders })
    return 0
  } finally {
    interrupt.dispose()
  }
}

/** Follows a daemon's replication job until it ends (its leases stay if this command is interrupted). */
async function followJob (client: ApiClient, job: ReplicateJob, signal: AbortSignal): Promise<Replicated> {
  for (let current = job; ; current = await client.request<ReplicateJob>('GET', `/replicas/${current.id}`, undefined, undefined, signal)) {
    if (current.state === 'done' && current.result !== undefined) return current.result
    if (current.state === 'failed') throw new ShoalError(current.error?.code ?? 'INTERNAL', current.error?.message ?? 'replication failed')
    await new Promise(resolve => setTimeout(resolve, JOB_POLL_MS))
    if (signal.aborted) throw new ShoalError(ErrorCode.Aborted, 'interrupted; the daemon goes on placing the copies')
  }
}

function parseCopies (value: unknown): number {
  if (value === undefined) return 3
  const n = Number(value)
  if (!/^\d+$/.test(String(value)) || n < 1 || n > 16) throw new ShoalError(ErrorCode.BadArgument, `--copies takes a whole number from 1 to 16, not ${String(value)}`)
  return n
}

async function firstPeer (node: ShoalNode, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + FIRST_PEER_WAIT_MS
  while (node.connectedPeers().length === 0 && Date.now() < deadline && !signal.aborted) await new Promise(resolve => setTimeout(resolve, 100))
  // Identify tells which peers take storage requests a moment after they connect.
  await new Promise(resolve => setTimeout(resolve, 500))
}
