/**
 * The owner's record of each replicated content and its holders. One lease, one audit history per
 * (content, holder): an erasure-coded shard later is just another content under the same records.
 */
import { MAX_REPLICATIONS } from './constants.js'

export type HolderState = 'pending' | 'held' | 'suspect' | 'failed'

export interface AuditRecord { at: number, ok: boolean, pieces: number, reason?: string }

export interface HolderRecord {
  peerId: string
  /** Where we reached it (with /p2p/), given to later holders as origins. */
  addrs: string[]
  domain: string
  state: HolderState
  expiresAt: number
  lastAudit?: AuditRecord
  /** Since when it has not answered (suspect), ms. */
  unreachableSince?: number
  /** Audits in a row it answered but did not deliver. */
  misses: number
  /** Replaced by another holder (failed or away too long); kept as an extra copy while its lease lives. */
  replaced?: boolean
}

export interface Replication {
  cid: string
  /** The link without its key (the key is never stored). */
  link: string
  name: string
  bytes: number
  copies: number
  sameNetworkOk: boolean
  createdAt: number
  holders: HolderRecord[]
}

/** Holders that count as copies now. */
export function healthyHolders (r: Replication): HolderRecord[] {
  return r.holders.filter(h => h.state === 'held')
}

export function validateReplications (value: unknown): Replication[] {
  if (!Array.isArray(value) || value.length > MAX_REPLICATIONS) throw new Error('not a replication list')
  for (const r of value as Replication[]) {
    const ok = typeof r === 'object' && r !== null && typeof r.cid === 'string' && typeof r.link === 'string' && typeof r.name === 'string' &&
      Number.isSafeInteger(r.bytes) && Number.isSafeInteger(r.copies) && Array.isArray(r.holders) &&
      r.holders.every(h => typeof h.peerId === 'string' && Array.isArray(h.addrs) && typeof h.state === 'string' && Number.isSafeInteger(h.expiresAt))
    if (!ok) throw new Error('bad replication')
    for (const h of r.holders) h.misses ??= 0
  }
  return value as Replication[]
}
