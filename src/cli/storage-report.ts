/** What `shoal ls` prints about storage sharing: copies of what this node replicates, and what it holds. */
import type { StorageStatus } from '../storage/service.js'
import { healthyHolders } from '../storage/replications.js'
import { formatBytes, formatDate, shortId } from './format.js'
import type { Reporter } from './reporter.js'

export function reportStorage (storage: StorageStatus, reporter: Reporter): void {
  for (const r of storage.replications) {
    const healthy = healthyHolders(r).length
    const holders = r.holders.map(h => ({ peerId: h.peerId, state: h.state, lastAudit: h.lastAudit ?? null, expiresAt: h.expiresAt, ...(h.replaced === true ? { replaced: true } : {}) }))
    reporter.event({ event: 'replica', cid: r.cid, name: r.name, bytes: r.bytes, copies: r.copies, healthy, link: r.link, holders })
    reporter.say(`replicated  ${formatBytes(r.bytes).padStart(10)}  ${r.name}  copies ${healthy}/${r.copies} healthy  ${shortId(r.cid)}`)
    for (const h of r.holders) {
      const audit = h.lastAudit === undefined ? 'not audited yet' : `last audit ${formatDate(h.lastAudit.at)} ${h.lastAudit.ok ? `ok (${h.lastAudit.pieces})` : `FAILED: ${h.lastAudit.reason ?? ''}`}`
      reporter.say(`            ${shortId(h.peerId)}  ${h.state.padEnd(8)}  ${audit}  lease to ${formatDate(h.expiresAt)}${h.replaced === true ? '  (replaced)' : ''}`)
    }
  }
  for (const held of storage.held) {
    reporter.event({ event: 'held', cid: held.cid, bytes: held.bytes, owner: held.owner, state: held.state, expiresAt: held.expiresAt, pieces: held.pieces, verifiedPieces: held.verifiedPieces })
  }
  if (storage.offeredBytes > 0) {
    reporter.event({ event: 'storage', offeredBytes: storage.offeredBytes, usedBytes: storage.usedBytes })
    reporter.say(`volunteer   ${formatBytes(storage.usedBytes)} used of ${formatBytes(storage.offeredBytes)} offered`)
    for (const held of storage.held) {
      reporter.say(`  held  ${formatBytes(held.bytes).padStart(10)}  ${shortId(held.cid)}  owner ${shortId(held.owner)}  ${held.state}  lease to ${formatDate(held.expiresAt)}`)
    }
  }
}
