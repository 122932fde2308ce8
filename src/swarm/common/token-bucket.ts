/** A limiter may run this far ahead of its rate (a burst), in seconds of traffic. */
export const BURST_SECONDS = 0.25

/**
 * A token bucket for bytes per second, shared by every stream it limits (one per node and
 * direction). A caller takes what it is about to send and waits while the bucket is in debt, so
 * a single large piece passes at once and the rate holds on average.
 */
export class TokenBucket {
  readonly bytesPerSecond: number
  private available: number
  private last: number

  constructor (bytesPerSecond: number) {
    if (!(bytesPerSecond > 0)) throw new RangeError('rate must be positive')
    this.bytesPerSecond = bytesPerSecond
    this.available = bytesPerSecond * BURST_SECONDS
    this.last = Date.now()
  }

  async take (bytes: number): Promise<void> {
    const now = Date.now()
    this.available = Math.min(this.bytesPerSecond * BURST_SECONDS, this.available + (now - this.last) / 1000 * this.bytesPerSecond)
    this.last = now
    this.available -= bytes
    if (this.available < 0) {
      const waitMs = (-this.available / this.bytesPerSecond) * 1000
      await new Promise(resolve => setTimeout(resolve, waitMs))
    }
  }
}
