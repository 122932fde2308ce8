/**
 * An audit: random pieces asked of one holder over the ordinary swarm protocol, each checked
 * against the hash the owner trusts (its own full hash list). A wrong piece, or a holder that says
 * it does not have the content, fails the audit; a holder that cannot be reached, or that does not
 * deliver in time, is only "unanswered" (the caller decides when that becomes a failure).
 */
import { randomInt } from 'node:crypto'
import { peerIdFromString } from '@libp2p/peer-id'
import { HASH_BYTES, hashPiece } from '../content/merkle.js'
import { streamPipe } from '../net/pipe.js'
import type { NodeComponents } from '../node/service.js'
import { SESSION_READ_BUFFER_BYTES } from '../swarm/requester/constants.js'
import { PeerSession } from '../swarm/requester/peer-session.js'
import { PROTOCOL as SWARM_PROTOCOL } from '../swarm/wire/constants.js'
import { AUDIT_MAX_REJECTS, AUDIT_PIECE_TIMEOUT_MS, AUDIT_REJECT_RETRY_MS } from './constants.js'

export type AuditOutcome =
  | { result: 'ok', pieces: number[] }
  | { result: 'failed', pieces: number[], reason: string }
  | { result: 'unanswered', pieces: number[], reason: string }

/** Distinct random piece numbers, `count` of them at most. */
export function pickPieces (pieceCount: number, count: number): number[] {
  const picked = new Set<number>()
  while (picked.size < Math.min(count, pieceCount)) picked.add(randomInt(pieceCount))
  return [...picked]
}

export async function auditHolder (c: NodeComponents, peerId: string, cid: Uint8Array, hashes: Uint8Array, pieces: number[], signal: AbortSignal): Promise<AuditOutcome> {
  const s = AbortSignal.any([signal, AbortSignal.timeout(AUDIT_PIECE_TIMEOUT_MS * Math.max(1, pieces.length))])
  let session: PeerSession | undefined
  let stream
  try {
    stream = await c.libp2p.dialProtocol(peerIdFromString(peerId), SWARM_PROTOCOL, { signal: s })
  } catch (err: any) {
    return { result: 'unanswered', pieces, reason: `unreachable: ${String(err?.message ?? err).split('\n')[0]}` }
  }
  try {
    session = await PeerSession.open(peerId, streamPipe(stream, SESSION_READ_BUFFER_BYTES), cid)
  } catch (err: any) {
    return { result: 'unanswered', pieces, reason: `no answer to open: ${String(err?.message ?? err).split('\n')[0]}` }
  }
  if (session === undefined) return { result: 'failed', pieces, reason: 'says it does not have the content' }
  const opened = session
  const missing = pieces.filter(piece => !opened.hasPiece(piece))
  if (missing.length > 0) {
    opened.close()
    return { result: 'failed', pieces, reason: `does not have piece ${missing[0]!}` }
  }
  return await new Promise<AuditOutcome>(resolve => {
    const waiting = new Set(pieces)
    const rejected = new Map<number, number>()
    let settled = false
    const finish = (outcome: AuditOutcome): void => {
      if (settled) return
      settled = true
      s.removeEventListener('abort', onAbort)
      opened.close()
      resolve(outcome)
    }
    const onAbort = (): void => finish({ result: 'unanswered', pieces, reason: 'audited pieces did not arrive in time' })
    s.addEventListener('abort', onAbort, { once: true })
    opened.start({
      onHave: () => {},
      onPiece: (_session, piece, data) => {
        if (!waiting.has(piece)) return
        const bytes = data instanceof Uint8Array ? data : data.subarray()
        const expected = hashes.subarray(piece * HASH_BYTES, (piece + 1) * HASH_BYTES)
        if (!Buffer.from(hashPiece(bytes)).equals(expected)) {
          finish({ result: 'failed', pieces, reason: `piece ${piece} does not match its hash` })
          return
        }
        waiting.delete(piece)
        if (waiting.size === 0) finish({ result: 'ok', pieces })
      },
      // A seed may hold a piece back for a few seconds (swarm/initial-seeding.ts): ask again, a few times;
      // a holder that still refuses a piece it says it has cannot serve its copy, which fails it.
      onReject: (_session, piece) => {
        const times = (rejected.get(piece) ?? 0) + 1
        rejected.set(piece, times)
        if (times > AUDIT_MAX_REJECTS) finish({ result: 'failed', pieces, reason: `rejected piece ${piece} ${times} times` })
        else setTimeout(() => { if (!settled) opened.request(piece) }, AUDIT_REJECT_RETRY_MS).unref()
      },
      onClose: (_session, error) => finish({ result: 'unanswered', pieces, reason: `closed the audit: ${error?.message ?? 'no reason'}` })
    })
    opened.requestMany(pieces)
  })
}
