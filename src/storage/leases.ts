/** A volunteer's leases: what it holds for whom, until when. */
import { MAX_LEASES } from './constants.js'

export interface Lease {
  cid: string
  owner: string
  bytes: number
  grantedAt: number
  expiresAt: number
  /** `fetching` until the whole content is verified here. */
  state: 'fetching' | 'held'
  /** Where the owner said the content can be fetched from (multiaddrs). */
  origins: string[]
}

export function validateLeases (value: unknown): Lease[] {
  if (!Array.isArray(value) || value.length > MAX_LEASES) throw new Error('not a lease list')
  return value.map(item => {
    const l = item as Lease
    const ok = typeof l === 'object' && l !== null && typeof l.cid === 'string' && typeof l.owner === 'string' &&
      Number.isSafeInteger(l.bytes) && Number.isSafeInteger(l.grantedAt) && Number.isSafeInteger(l.expiresAt) &&
      (l.state === 'fetching' || l.state === 'held') && Array.isArray(l.origins) && l.origins.every(o => typeof o === 'string')
    if (!ok) throw new Error('bad lease')
    return { cid: l.cid, owner: l.owner, bytes: l.bytes, grantedAt: l.grantedAt, expiresAt: l.expiresAt, state: l.state, origins: l.origins }
  })
}

export const leaseKey = (cid: string, owner: string): string => `${owner}/${cid}`
