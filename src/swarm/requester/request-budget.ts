import { BURST_SECONDS } from '../common/token-bucket.js'

/**
 * The download rate limit (`--download-limit`), shared by every download of a node. It limits
 * what we *ask* for rather than how fast we read: a piece is requested only while the budget is
 * not in debt, and its size is then charged, so data arrives at the limit on average without
 * leaving bytes waiting in stream buffers (which would look like a stalled peer). A piece larger
 * than the burst still goes out at once; the debt is then repaid before the next one.
 */
export class RequestBudget {
  readonly bytesPerSecond: number
  private available: number
  private last: number
  private readonly now: () => number

  constructor (bytesPerSecond: number, now: () => number = Date.now) {
    if (!(bytesPerSecond > 0)) throw new RangeError('rate must be positive')
    this.bytesPerSecond = bytesPerSecond
    this.now = now
    this.available = this.burst
    this.last = now()
  }

  /** Most bytes saved up while idle. */
  get burst (): number {
    return this.bytesPerSecond * BURST_SECONDS
  }

  /** How many of `wanted` requests of about `pieceBytes` each may go out now (0 while in debt). */
  allow (wanted: number, pieceBytes: number): number {
    this.refill()
    if (wanted <= 0 || this.available < 0) return 0
    return Math.min(wanted, Math.max(1, Math.ceil(this.available / Math.max(1, pieceBytes))))
  }

  /** Charges a request of `bytes`. */
  spend (bytes: number): void {
    this.refill()
    this.available -= bytes
  }

  private refill (): void {
    const now = this.now()
    this.available = Math.min(this.burst, this.available + (now - this.last) / 1000 * this.bytesPerSecond)
    this.last = now
  }
}
