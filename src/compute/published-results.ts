/**
 * The DHT result cache: after a quorum the requester publishes `/shoal-result/<job>` with the
 * agreeing workers' signatures (result-record.ts); a later run of the same job, by any node, looks
 * it up and uses it only if enough signers pass the same bar a fresh run sets its workers: distinct
 * peers, not banned here, within `--workers` when given, reachable now, and on distinct failure
 * domains unless `sameNetworkOk`. Peer IDs cost nothing, so a record signed by keys nobody runs
 * counts for nothing.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import type { NodeComponents } from '../node/service.js'
import { failureDomainOf } from '../net/failure-domain.js'
import { RECORD_LOOKUP_MS, RECORD_PUBLISH_MS, RECORD_SIGNER_DIAL_MS } from './constants.js'
import type { QuorumResult } from './quorum.js'
import { checkResultRecord, encodeResultRecord, resultRecordKey, type ResultRecord } from './result-record.js'

export interface TrustRule {
  /** Distinct trusted signers needed: ⌊k/2⌋+1, what a fresh run with k replicas would need. */
  minSigners: number
  /** Only these workers count (`--workers`). */
  allowed?: Set<string>
  sameNetworkOk?: boolean
}

export type LookupOutcome =
  | { kind: 'found', record: ResultRecord, signers: Array<{ peerId: string, addr?: string }> }
  | { kind: 'refused', reason: string }
  | { kind: 'none' }

export class PublishedResults {
  constructor (private readonly c: NodeComponents) {}

  /** Puts the agreed result in the DHT; resolves with how many peers stored it (0 on failure). */
  async publish (agreed: QuorumResult, signal: AbortSignal): Promise<number> {
    const signatures = agreed.workers.flatMap(w => w.signature !== undefined ? [{ worker: w.peerId, sig: w.signature }] : [])
    if (signatures.length === 0) return 0
    const s = AbortSignal.any([signal, AbortSignal.timeout(RECORD_PUBLISH_MS)])
    let stored = 0
    try {
      for await (const event of this.c.libp2p.services.dht.put(resultRecordKey(agreed.job), encodeResultRecord({ job: agreed.job, result: agreed.result, signatures }), { signal: s })) {
        if (event.name === 'PEER_RESPONSE') stored++
      }
    } catch {
      // Out of time or no DHT peers: what was stored stays stored.
    }
    return stored
  }

  /** The best record for `job` in the DHT, checked against `rule`. */
  async lookup (job: string, rule: TrustRule, signal: AbortSignal): Promise<LookupOutcome> {
    const s = AbortSignal.any([signal, AbortSignal.timeout(RECORD_LOOKUP_MS)])
    const key = resultRecordKey(job)
    let best: LookupOutcome = { kind: 'none' }
    try {
      for await (const event of this.c.libp2p.services.dht.get(key, { signal: s })) {
        if (event.name !== 'VALUE') continue
        const outcome = await this.check(key, event.value, rule, signal)
        if (outcome.kind === 'found') return outcome
        best = outcome
      }
    } catch {
      // Not found, out of time, or no DHT peers.
    }
    return best
  }

  private async check (key: Uint8Array, value: Uint8Array, rule: TrustRule, signal: AbortSignal): Promise<LookupOutcome> {
    let record: ResultRecord
    try {
      record = await checkResultRecord(key, value)
    } catch (err: any) {
      return { kind: 'refused', reason: String(err?.message ?? err) }
    }
    const candidates = record.signatures.map(s => s.worker).filter(w => w !== this.c.peerId && !this.c.scores.isBanned(w) && (rule.allowed === undefined || rule.allowed.has(w)))
    const reached = await Promise.all(candidates.map(async worker => {
      try {
        const connection = await this.c.libp2p.dial(peerIdFromString(worker), { signal: AbortSignal.any([signal, AbortSignal.timeout(RECORD_SIGNER_DIAL_MS)]) })
        return { peerId: worker, addr: connection.remoteAddr.toString() }
      } catch {
        return undefined
      }
    }))
    const domains = new Set<string>()
    const signers: Array<{ peerId: string, addr?: string }> = []
    for (const signer of reached) {
      if (signer === undefined) continue
      const domain = failureDomainOf(this.c.libp2p, signer.peerId)
      if (rule.sameNetworkOk !== true && domains.has(domain)) continue
      domains.add(domain)
      signers.push(signer)
    }
    if (signers.length < rule.minSigners) {
      return { kind: 'refused', reason: `${signers.length} of its ${record.signatures.length} signers count here (reachable, not banned, distinct domains${rule.allowed !== undefined ? ', among --workers' : ''}); ${rule.minSigners} needed` }
    }
    return { kind: 'found', record, signers }
  }
}
