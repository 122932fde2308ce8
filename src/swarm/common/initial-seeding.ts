/**
 * While a seed has pieces it has not yet sent to anyone, a request for a piece it sent to another
 * peer less than this long ago is rejected: the requester takes a piece nobody has instead, and
 * gets the other from the peer that has it. Without this, a flash crowd's downloaders all fetch
 * the same pieces from the seed, and its uplink, the swarm's bottleneck, carries duplicates.
 */
export const INITIAL_SEEDING_HOLD_MS = 3_000

/**
 * The seed's side of "super-seeding": which pieces it has handed out, and when. Applies only while
 * some piece has never been sent and at least two peers are being served, so a single downloader,
 * or the last pieces of a swarm, are never held back.
 */
export class InitialSeeding {
  private readonly sentAt: Float64Array
  private unsent: number
  private streams = 0
  private readonly now: () => number

  constructor (pieceCount: number, now: () => number = Date.now) {
    this.sentAt = new Float64Array(pieceCount)
    this.unsent = pieceCount
    this.now = now
  }

  streamOpened (): void { this.streams++ }
  streamClosed (): void { this.streams = Math.max(0, this.streams - 1) }

  /** True when the request should be rejected so the requester fetches the piece elsewhere. */
  shouldDefer (piece: number): boolean {
    if (this.unsent === 0 || this.streams < 2) return false
    const at = this.sentAt[piece] ?? 0
    return at > 0 && this.now() - at < INITIAL_SEEDING_HOLD_MS
  }

  /** The piece is being sent to a peer. */
  sending (piece: number): void {
    if ((this.sentAt[piece] ?? 0) === 0 && this.unsent > 0) this.unsent--
    this.sentAt[piece] = this.now()
  }
}
