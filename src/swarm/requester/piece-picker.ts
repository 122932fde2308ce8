import type { Bitfield } from '../wire/bitfield.js'
import { ENDGAME_DUPLICATES } from './constants.js'

/** Most pieces kept in the "wanted first" list (see `prioritize`). */
export const MAX_PRIORITY_PIECES = 256

/** What the picker needs to know of a peer: which pieces it has and which we asked it for. */
export interface PickablePeer {
  hasPiece: (piece: number) => boolean
  inFlight: ReadonlyMap<number, number>
}

/**
 * Rarest-first piece selection with an endgame. Availability counts how many connected peers
 * have each piece; a piece is requested from one peer at a time until every missing piece is
 * in flight, then (the endgame) from up to ENDGAME_DUPLICATES peers, so one slow peer cannot
 * hold back the last pieces.
 */
export class PiecePicker {
  private readonly availability: Uint16Array
  /** How many peers each missing piece is currently requested from. */
  private readonly requested: Uint8Array
  private readonly have: Bitfield
  private requestedCount = 0
  /** Pieces a reader is waiting for, most urgent first; picked before rarest-first. */
  private priority: number[] = []

  constructor (have: Bitfield) {
    this.have = have
    this.availability = new Uint16Array(have.size)
    this.requested = new Uint8Array(have.size)
  }

  addPeerPieces (peer: PickablePeer): void {
    for (let i = 0; i < this.availability.length; i++) {
      if (peer.hasPiece(i)) this.availability[i] = Math.min(0xffff, (this.availability[i] ?? 0) + 1)
    }
  }

  removePeerPieces (peer: PickablePeer): void {
    for (let i = 0; i < this.availability.length; i++) {
      if (peer.hasPiece(i) && (this.availability[i] ?? 0) > 0) this.availability[i] = (this.availability[i] ?? 1) - 1
    }
  }

  addHave (piece: number): void {
    this.availability[piece] = Math.min(0xffff, (this.availability[piece] ?? 0) + 1)
  }

  availabilityOf (piece: number): number {
    return this.availability[piece] ?? 0
  }

  /** Picks up to `count` pieces to request from `peer` and marks them requested. */
  pick (peer: PickablePeer, count: number): number[] {
    if (count <= 0) return []
    const urgent = this.pickPriority(peer, count)
    for (const piece of urgent) this.markRequested(piece)
    const rest = count - urgent.length
    if (rest <= 0) return urgent
    const picked = this.pickFresh(peer, rest)
    if (picked.length < rest && this.inEndgame()) {
      picked.push(...this.pickEndgame(peer, rest - picked.length))
    }
    for (const piece of picked) this.markRequested(piece)
    return urgent.length > 0 ? [...urgent, ...picked] : picked
  }

  /**
   * Pieces to fetch before any other, most urgent first (an HTTP Range reader waits for them).
   * They go ahead of those prioritized earlier; the list keeps MAX_PRIORITY_PIECES at most.
   */
  prioritize (pieces: number[]): void {
    const wanted = pieces.filter(p => Number.isInteger(p) && p >= 0 && p < this.have.size && !this.have.has(p))
    this.priority = [...new Set([...wanted, ...this.priority])].slice(0, MAX_PRIORITY_PIECES)
  }

  /** A request ended without the piece (rejected, timed out, peer gone, or the piece arrived). */
  release (piece: number): void {
    const n = this.requested[piece] ?? 0
    if (n > 0) {
      this.requested[piece] = n - 1
      if (n === 1) this.requestedCount--
    }
  }

  /** Every missing piece has been requested at least once. */
  inEndgame (): boolean {
    return this.requestedCount >= this.have.size - this.have.count()
  }

  private markRequested (piece: number): void {
    const n = this.requested[piece] ?? 0
    if (n === 0) this.requestedCount++
    this.requested[piece] = n + 1
  }

  private pickPriority (peer: PickablePeer, count: number): number[] {
    if (this.priority.length === 0) return []
    this.priority = this.priority.filter(p => !this.have.has(p))
    const picked: number[] = []
    for (const piece of this.priority) {
      if (picked.length >= count) break
      if ((this.requested[piece] ?? 0) === 0 && peer.hasPiece(piece)) picked.push(piece)
    }
    return picked
  }

  private pickFresh (peer: PickablePeer, count: number): number[] {
    // Start the scan at a random place so peers with equal views do not all chase the same piece.
    const size = this.have.size
    const start = Math.floor(Math.random() * size)
    const best: number[] = []
    for (let k = 0; k < size; k++) {
      const piece = (start + k) % size
      if (this.have.has(piece) || (this.requested[piece] ?? 0) > 0 || !peer.hasPiece(piece)) continue
      insertByRarity(best, piece, count, this.availability)
    }
    return best
  }

  private pickEndgame (peer: PickablePeer, count: number): number[] {
    const picked: number[] = []
    for (let piece = 0; piece < this.have.size && picked.length < count; piece++) {
      const n = this.requested[piece] ?? 0
      if (this.have.has(piece) || n === 0 || n >= ENDGAME_DUPLICATES) continue
      if (peer.inFlight.has(piece) || !peer.hasPiece(piece)) continue
      picked.push(piece)
    }
    return picked
  }
}

/** Keeps `best` as the `limit` rarest pieces seen so far, rarest first. */
function insertByRarity (best: number[], piece: number, limit: number, availability: Uint16Array): void {
  const a = availability[piece] ?? 0
  if (best.length === limit && a >= (availability[best[best.length - 1] as number] ?? 0)) return
  let at = best.length
  while (at > 0 && (availability[best[at - 1] as number] ?? 0) > a) at--
  best.splice(at, 0, piece)
  if (best.length > limit) best.pop()
}
