import { PEER_EXCHANGE_INTERVAL_MS, PEER_EXCHANGE_MAX_INTERVAL_MS } from './constants.js'

/**
 * When a download next asks its peers for more peers. Every PEER_EXCHANGE_INTERVAL_MS while the
 * answers bring peers it did not know; each round that brings none doubles the pause, up to
 * PEER_EXCHANGE_MAX_INTERVAL_MS. In a crowd where everyone knows everyone, the questions (and the
 * peer-store reads behind each answer) would otherwise cost every node CPU for nothing.
 */
export class PeerExchangePace {
  private interval = PEER_EXCHANGE_INTERVAL_MS
  private nextAt = 0

  /** Whether a round is due at `now`; if so, the next one is scheduled. */
  due (now: number): boolean {
    if (now < this.nextAt) return false
    this.nextAt = now + this.interval
    return true
  }

  /** What a round brought: `learned` peers the download did not know before. */
  record (learned: number, now: number): void {
    if (learned > 0) {
      this.interval = PEER_EXCHANGE_INTERVAL_MS
      this.nextAt = Math.min(this.nextAt, now + this.interval)
    } else {
      this.interval = Math.min(this.interval * 2, PEER_EXCHANGE_MAX_INTERVAL_MS)
      this.nextAt = now + this.interval
    }
  }
}
