import { ENDED_COUNTS_AS_FAILURES, MAX_PEERS_PER_DOWNLOAD, RETRY_ENDED_MS, RETRY_FAILED_MS, RETRY_NOT_FOUND_MAX_MS, RETRY_NOT_FOUND_MS } from './constants.js'

type CandidateState = 'idle' | 'connecting' | 'active' | 'waiting'

/** `misses`: `not-found` answers in a row (each doubles the wait before the next question). */
interface Candidate { state: CandidateState, retryAt: number, failures: number, misses: number }

/**
 * The peers a download could fetch from, whatever told us of them (link hints, DHT, mDNS,
 * peer exchange, peers who asked us for the same content), and when each may be tried again.
 * A peer without the content yet is retried later: it may be a leecher that has pieces by then.
 */
export class CandidatePool {
  private readonly candidates = new Map<string, Candidate>()
  private readonly now: () => number

  constructor (now: () => number = Date.now) {
    this.now = now
  }

  /** Returns true when the peer is new to this download. */
  add (peerId: string): boolean {
    if (this.candidates.has(peerId)) {
      const c = this.candidates.get(peerId) as Candidate
      // Fresh news of a peer (it just asked us for the content) makes it worth asking again soon.
      if (c.state === 'waiting' && c.failures === 0) c.retryAt = Math.min(c.retryAt, this.now())
      return false
    }
    this.candidates.set(peerId, { state: 'idle', retryAt: 0, failures: 0, misses: 0 })
    return true
  }

  /** Peers to connect to now, leaving room for those already active or connecting. */
  takeReady (): string[] {
    const busy = this.busy
    const ready: string[] = []
    const now = this.now()
    for (const [peerId, c] of this.candidates) {
      if (busy + ready.length >= MAX_PEERS_PER_DOWNLOAD) break
      if (c.state === 'idle' || (c.state === 'waiting' && c.retryAt <= now)) {
        c.state = 'connecting'
        ready.push(peerId)
      }
    }
    return ready
  }

  connected (peerId: string): void {
    this.set(peerId, 'active', 0)
    const c = this.candidates.get(peerId)
    if (c !== undefined) {
      c.failures = 0
      c.misses = 0
    }
  }

  /** The peer lacks the content: ask again later, later still after each `not-found` in a row. */
  notFound (peerId: string): void {
    const c = this.candidates.get(peerId)
    if (c === undefined) return
    c.misses++
    this.set(peerId, 'waiting', Math.min(RETRY_NOT_FOUND_MS * 2 ** (c.misses - 1), RETRY_NOT_FOUND_MAX_MS))
  }

  /** The attempt or the session failed; back off longer after each failure. */
  failed (peerId: string): void {
    const c = this.candidates.get(peerId)
    if (c === undefined) return
    c.failures++
    this.set(peerId, 'waiting', RETRY_FAILED_MS * Math.min(2 ** (c.failures - 1), 12))
  }

  /** The peer ended the session without fault: it is leaving, so it is tried again only after RETRY_ENDED_MS. */
  ended (peerId: string): void {
    const c = this.candidates.get(peerId)
    if (c === undefined) return
    c.failures = Math.max(c.failures, ENDED_COUNTS_AS_FAILURES)
    this.set(peerId, 'waiting', RETRY_ENDED_MS)
  }

  remove (peerId: string): void {
    this.candidates.delete(peerId)
  }

  /** Peers being connected to or fetched from now. */
  get busy (): number {
    let busy = 0
    for (const c of this.candidates.values()) {
      if (c.state === 'active' || c.state === 'connecting') busy++
    }
    return busy
  }

  get size (): number {
    return this.candidates.size
  }

  private set (peerId: string, state: CandidateState, delay: number): void {
    const c = this.candidates.get(peerId)
    if (c === undefined) return
    c.state = state
    c.retryAt = this.now() + delay
  }
}
