import { BAN_MS } from './constants.js'

export type Fault = 'bad-piece' | 'protocol-error' | 'timeout' | 'stalled' | 'flood'

/** Score lost per fault; a peer at or below BAN_SCORE is banned for BAN_MS. */
export const FAULT_COST: Record<Fault, number> = {
  // Wrong piece data is proof of lying (a provider verifies before sending): one strike.
  'bad-piece': 100,
  // Malformed or oversized frames, messages out of place: two strikes.
  'protocol-error': 50,
  // Requests in flight and (next to) nothing received for a whole stall window, or no answer to a
  // handshake: silent and trickling peers. Two strikes.
  stalled: 50,
  // A requester over a provider's per-stream bounds (queued requests, streams, repeated metadata).
  flood: 50,
  // One piece late while the peer otherwise delivers: ten strikes.
  timeout: 10
}
export const BAN_SCORE = -100
/**
 * Score a peer wins back per verified piece it delivers, up to 0: an honest peer that timed out
 * now and then is not banned for it over a long download.
 */
export const GOOD_PIECE_CREDIT = 1

interface PeerRecordState { score: number, bannedUntil: number, faults: number }

/**
 * What this node thinks of each peer it has dealt with. Shared by every download and by the
 * provider, so a peer caught lying in one download is refused everywhere.
 */
export class PeerScores {
  private readonly peers = new Map<string, PeerRecordState>()
  private readonly banListeners = new Set<(peerId: string) => void>()
  private readonly faultListeners = new Set<(peerId: string, fault: Fault) => void>()
  private readonly now: () => number

  constructor (now: () => number = Date.now) {
    this.now = now
  }

  fault (peerId: string, fault: Fault): void {
    const state = this.state(peerId)
    state.score -= FAULT_COST[fault]
    state.faults++
    for (const listener of this.faultListeners) listener(peerId, fault)
    if (state.score <= BAN_SCORE && state.bannedUntil <= this.now()) {
      state.bannedUntil = this.now() + BAN_MS
      for (const listener of this.banListeners) listener(peerId)
    }
  }

  /** A verified piece from `peerId`: it wins back GOOD_PIECE_CREDIT, never above 0. */
  credit (peerId: string): void {
    const state = this.peers.get(peerId)
    if (state === undefined || state.score >= 0 || this.isBanned(peerId)) return
    state.score = Math.min(0, state.score + GOOD_PIECE_CREDIT)
  }

  isBanned (peerId: string): boolean {
    const state = this.peers.get(peerId)
    if (state === undefined || state.bannedUntil === 0) return false
    if (state.bannedUntil > this.now()) return true
    // The ban is over: the peer starts again from a clean slate.
    this.peers.delete(peerId)
    return false
  }

  score (peerId: string): number {
    return this.peers.get(peerId)?.score ?? 0
  }

  banned (): string[] {
    return [...this.peers.keys()].filter(id => this.isBanned(id))
  }

  /** Bans a peer at once (a user's decision), for `ms`. */
  ban (peerId: string, ms: number = BAN_MS): void {
    const wasBanned = this.isBanned(peerId)
    const state = this.state(peerId)
    state.bannedUntil = Math.max(state.bannedUntil, this.now() + ms)
    if (!wasBanned) for (const listener of this.banListeners) listener(peerId)
  }

  onFault (listener: (peerId: string, fault: Fault) => void): () => void {
    this.faultListeners.add(listener)
    return () => this.faultListeners.delete(listener)
  }

  onBan (listener: (peerId: string) => void): () => void {
    this.banListeners.add(listener)
    return () => this.banListeners.delete(listener)
  }

  private state (peerId: string): PeerRecordState {
    let state = this.peers.get(peerId)
    if (state === undefined) {
      state = { score: 0, bannedUntil: 0, faults: 0 }
      this.peers.set(peerId, state)
    }
    return state
  }
}
