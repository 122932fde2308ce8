import type { PeerRecord } from '../wire/messages.js'
import { PEER_EXCHANGE_INTERVAL_MS, PEER_EXCHANGE_MAX_INTERVAL_MS } from './constants.js'
import type { PeerSession } from './peer-session.js'

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

/**
 * Asks one peer for the others it knows (`learn` records their addresses, `add` hands each to the
 * download); returns how many of them were new to it. A peer that cannot answer taught nothing.
 */
export async function peersFrom (session: PeerSession, learn: (records: PeerRecord[]) => Promise<string[]>, add: (peerId: string) => boolean): Promise<number> {
  let learned = 0
  try {
    for (const id of await learn(await session.getPeers())) if (add(id)) learned++
  } catch {}
  return learned
}
