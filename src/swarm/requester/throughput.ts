import { INITIAL_IN_FLIGHT_BYTES, IN_FLIGHT_BYTES_PER_PEER, MAX_REQUESTS_PER_PEER, MIN_IN_FLIGHT_BYTES, MIN_REQUESTS_PER_PEER, PIPELINE_SECONDS } from './constants.js'

/** Deliveries older than this drop out of a peer's throughput estimate. */
export const THROUGHPUT_WINDOW_MS = 1_000
/** The estimate divides by at least this much time, so one early burst does not look infinite. */
export const MIN_ELAPSED_MS = 50

/**
 * Bytes per second a peer has delivered recently. Drives how many requests we keep in flight with
 * it: enough to cover its bandwidth-delay product, no more, so a slow peer does not sit on pieces
 * that faster peers could deliver.
 */
export class Throughput {
  private readonly samples: Array<{ at: number, bytes: number }> = []
  private sum = 0
  private readonly now: () => number

  constructor (now: () => number = Date.now) {
    this.now = now
  }

  add (bytes: number): void {
    const at = this.now()
    this.samples.push({ at, bytes })
    this.sum += bytes
    this.expire(at)
  }

  bytesPerSecond (): number {
    const now = this.now()
    this.expire(now)
    const oldest = this.samples[0]
    if (oldest === undefined) return 0
    return this.sum / (Math.max(now - oldest.at, MIN_ELAPSED_MS) / 1000)
  }

  private expire (now: number): void {
    while (this.samples.length > 0 && now - (this.samples[0] as { at: number }).at > THROUGHPUT_WINDOW_MS) {
      this.sum -= (this.samples.shift() as { bytes: number }).bytes
    }
  }
}

/**
 * Requests to keep in flight with a peer delivering `bytesPerSecond` (0: not known yet): its
 * bandwidth-delay product, within bounds.
 */
export function requestDepth (bytesPerSecond: number, pieceSize: number): number {
  const bytes = bytesPerSecond === 0
    ? INITIAL_IN_FLIGHT_BYTES
    : Math.min(IN_FLIGHT_BYTES_PER_PEER, Math.max(MIN_IN_FLIGHT_BYTES, bytesPerSecond * PIPELINE_SECONDS))
  return Math.min(MAX_REQUESTS_PER_PEER, Math.max(MIN_REQUESTS_PER_PEER, Math.ceil(bytes / pieceSize)))
}
