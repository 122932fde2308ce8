/** Bytes per second over a sliding window of one-second buckets. */
export const RATE_WINDOW_SECONDS = 5

export class RateMeter {
  private readonly buckets = new Float64Array(RATE_WINDOW_SECONDS)
  private currentSecond = 0
  private readonly now: () => number

  constructor (now: () => number = Date.now) {
    this.now = now
    this.currentSecond = Math.floor(now() / 1000)
  }

  add (bytes: number): void {
    this.advance()
    this.buckets[this.currentSecond % RATE_WINDOW_SECONDS] = (this.buckets[this.currentSecond % RATE_WINDOW_SECONDS] ?? 0) + bytes
  }

  perSecond (): number {
    this.advance()
    let sum = 0
    // The current second is partial: average over the full buckets plus the elapsed fraction.
    for (const b of this.buckets) sum += b
    const elapsed = RATE_WINDOW_SECONDS - 1 + (this.now() % 1000) / 1000
    return sum / elapsed
  }

  private advance (): void {
    const second = Math.floor(this.now() / 1000)
    for (let s = this.currentSecond + 1; s <= second && s <= this.currentSecond + RATE_WINDOW_SECONDS; s++) {
      this.buckets[s % RATE_WINDOW_SECONDS] = 0
    }
    this.currentSecond = Math.max(this.currentSecond, second)
  }
}
