/**
 * A requester's run of one job on k workers: every replica commits before any reveals (so none can
 * copy), the result CID a strict majority reports is accepted, a split adds one replica at a time
 * (up to k + MAX_EXTRA_REPLICAS), and never a wrong answer: NO_QUORUM instead. Workers in the
 * minority, or whose reveal does not match their commitment, are faulted in the shared peer scores
 * (two strikes ban); agreeing workers are credited. One worker per failure domain (/24, /48)
 * unless `sameNetworkOk`.
 */
import type { NodeComponents } from '../node/service.js'
import { ShoalError } from '../errors.js'
import { failureDomainOf } from '../net/failure-domain.js'
import { MAX_EXTRA_REPLICAS, RunError } from './constants.js'
import { JobSession } from './job-session.js'
import { jobId as jobIdOf, type JobSpec } from './job-spec.js'
import type { FailedAnswer } from './messages.js'

export interface QuorumOptions {
  replicas: number
  /** Candidate workers in order of preference (the caller finds them). */
  candidates: string[]
  sameNetworkOk?: boolean
  signal: AbortSignal
}

export interface QuorumResult {
  job: string
  result: string
  agreed: number
  of: number
  /** The workers that reported the agreed result, with the address we reached each on. */
  workers: Array<{ peerId: string, addr?: string }>
  /** Workers whose answer disagreed with the quorum, or did not match their commitment. */
  dissenters: string[]
}

/** Strict majority of what was revealed, and at least a majority of the replicas asked for. */
export function agreedResult (results: string[], replicas: number): { result: string, count: number } | undefined {
  const counts = new Map<string, number>()
  for (const r of results) counts.set(r, (counts.get(r) ?? 0) + 1)
  let best: { result: string, count: number } | undefined
  for (const [result, count] of counts) if (best === undefined || count > best.count) best = { result, count }
  if (best === undefined) return undefined
  return best.count * 2 > results.length && best.count >= Math.floor(replicas / 2) + 1 ? best : undefined
}

export async function runWithQuorum (c: NodeComponents, spec: JobSpec, options: QuorumOptions): Promise<QuorumResult> {
  const job = (await jobIdOf(spec)).toString()
  const origins = c.libp2p.getMultiaddrs().map(a => a.toString())
  const queue = options.candidates.filter(id => id !== c.peerId && !c.scores.isBanned(id))
  if (queue.length === 0) throw new ShoalError(RunError.NoWorkers, 'no worker offers compute (start peers with: shoal daemon --offer-compute 1)')
  const maxReplicas = options.replicas + MAX_EXTRA_REPLICAS
  const domains = new Set<string>()
  const committed: JobSession[] = []
  const failures: FailedAnswer[] = []
  const revealed = new Map<string, string>()
  const lied: string[] = []
  let asked = 0
  let sameDomain = 0

  /** Starts sessions until `want` have committed (or no candidate is left). */
  async function fill (want: number): Promise<void> {
    while (committed.length < want && queue.length > 0 && asked < maxReplicas && !options.signal.aborted) {
      const batch = queue.splice(0, want - committed.length).map(worker => new JobSession(c.libp2p, worker, job))
      const outcomes = await Promise.all(batch.map(async session => ({ session, outcome: await session.commit(spec, origins, options.signal) })))
      for (const { session, outcome } of outcomes) {
        if (outcome.kind !== 'committed') {
          if (outcome.kind === 'failed') { failures.push(outcome.answer); asked++ }
          continue
        }
        const domain = failureDomainOf(c.libp2p, session.worker)
        if (options.sameNetworkOk !== true && domains.has(domain)) { session.close(); sameDomain++; continue }
        domains.add(domain)
        committed.push(session)
        asked++
      }
    }
  }

  let pending: JobSession[] = []
  await fill(options.replicas)
  pending = [...committed]
  while (true) {
    // Reveals only once every replica of this round has committed.
    const reveals = await Promise.all(pending.map(async s => ({ s, r: await s.reveal(options.signal) })))
    for (const { s, r } of reveals) {
      if (r.kind === 'revealed') revealed.set(s.worker, r.result)
      else if (r.kind === 'lied') { lied.push(s.worker); c.scores.fault(s.worker, 'protocol-error') }
    }
    const agreed = agreedResult([...revealed.values()], options.replicas)
    if (agreed !== undefined) {
      const agreeing = [...revealed].filter(([, r]) => r === agreed.result).map(([w]) => w)
      const dissenters = [...revealed].filter(([, r]) => r !== agreed.result).map(([w]) => w)
      for (const w of dissenters) c.scores.fault(w, 'protocol-error')
      for (const w of agreeing) c.scores.credit(w)
      const addrOf = new Map(committed.map(s => [s.worker, s.remoteAddr]))
      return { job, result: agreed.result, agreed: agreed.count, of: revealed.size, workers: agreeing.map(peerId => ({ peerId, addr: addrOf.get(peerId) })), dissenters: [...dissenters, ...lied] }
    }
    const before = committed.length
    await fill(committed.length + 1)
    if (committed.length === before) break
    pending = committed.slice(before)
  }
  for (const s of committed) s.close()
  const failure = mostCommon(failures)
  if (revealed.size === 0 && failure !== undefined) throw new ShoalError(failure.code, failure.message)
  if (revealed.size === 0 && committed.length === 0) throw new ShoalError(RunError.NoWorkers, `no worker took the job (${options.candidates.length} asked)`)
  const domainNote = sameDomain > 0 ? `; ${sameDomain} worker(s) left out as on a failure domain already used (--same-network-ok allows them)` : ''
  throw new ShoalError(RunError.NoQuorum, `no strict majority of ${revealed.size} results from ${committed.length} workers (${new Set(revealed.values()).size} different)${domainNote}`)
}

function mostCommon (failures: FailedAnswer[]): FailedAnswer | undefined {
  const counts = new Map<string, number>()
  for (const f of failures) counts.set(f.code, (counts.get(f.code) ?? 0) + 1)
  let best: FailedAnswer | undefined
  for (const f of failures) if (best === undefined || counts.get(f.code)! > counts.get(best.code)!) best = f
  return best
}
