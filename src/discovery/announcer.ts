import type { CID } from 'multiformats/cid'

/** Every shared or downloaded content is announced again this often (provider records expire). */
export const REANNOUNCE_INTERVAL_MS = 30 * 60 * 1000
/** A failed announce (no DHT peers yet, say) is retried after this long, doubling up to the max. */
export const RETRY_MIN_MS = 2_000
export const RETRY_MAX_MS = 5 * 60 * 1000
/** One DHT provide may take this long before it is abandoned and retried. */
export const PROVIDE_TIMEOUT_MS = 60_000
/**
 * Announced content is announced again, before its interval, once the DHT routing table has grown
 * to this many times its size at the last announce: the provider records went to the peers
 * closest to the content's key among those the DHT then had, and a node that shared as it joined
 * a growing network (a third of the 100-node lab's records) left them where later lookups, which
 * go to the closest peers of the grown network, do not look (docs/benchmarks.md, round 6). Each
 * such announce needs the table to have doubled, so a table of at most T peers costs at most
 * log2(T) of them per content.
 */
export const REANNOUNCE_GROWTH = 2

interface Entry { cid: CID, nextAt: number, backoff: number, running: boolean, announced: boolean, tableAtAnnounce: number }

export type AnnounceEvent = { cid: string, ok: boolean, error?: string }

/**
 * Announces content to the DHT at once, then again every REANNOUNCE_INTERVAL_MS, so peers
 * find it for as long as this node serves it (Helia's silent non-providing is what users of
 * other networks trip on). An announce that fails is retried with backoff, and at once when a
 * new peer connects, since an empty routing table is the usual cause. Given the routing table's
 * size, it also announces again when the table has grown REANNOUNCE_GROWTH-fold since.
 */
export class Announcer {
  private readonly entries = new Map<string, Entry>()
  private readonly provide: (cid: CID, signal: AbortSignal) => Promise<void>
  private readonly onEvent?: (event: AnnounceEvent) => void
  private timer?: NodeJS.Timeout
  private readonly stopping = new AbortController()
  private readonly tableSize?: () => number

  constructor (provide: (cid: CID, signal: AbortSignal) => Promise<void>, onEvent?: (event: AnnounceEvent) => void, tableSize?: () => number) {
    this.provide = provide
    this.onEvent = onEvent
    this.tableSize = tableSize
  }

  start (): void {
    this.timer = setInterval(() => this.runDue(), 1_000)
    this.timer.unref()
  }

  stop (): void {
    clearInterval(this.timer)
    this.stopping.abort()
  }

  announce (cid: CID): void {
    const key = cid.toString()
    const entry = this.entries.get(key) ?? { cid, nextAt: 0, backoff: RETRY_MIN_MS, running: false, announced: false, tableAtAnnounce: 0 }
    entry.nextAt = 0
    this.entries.set(key, entry)
    this.runDue()
  }

  withdraw (cid: CID): void {
    this.entries.delete(cid.toString())
  }

  isAnnounced (cid: CID): boolean {
    return this.entries.get(cid.toString())?.announced === true
  }

  /** A new peer may fill an empty routing table: retry what failed. */
  peerConnected (): void {
    for (const entry of this.entries.values()) {
      if (!entry.announced) entry.nextAt = Math.min(entry.nextAt, Date.now() + 250)
    }
  }

  private runDue (): void {
    const now = Date.now()
    const table = this.tableSize?.() ?? 0
    for (const [key, entry] of this.entries) {
      if (entry.announced && table >= REANNOUNCE_GROWTH * Math.max(entry.tableAtAnnounce, 1)) entry.nextAt = Math.min(entry.nextAt, now)
      if (entry.running || entry.nextAt > now || this.stopping.signal.aborted) continue
      entry.running = true
      const tableAtStart = table
      const signal = AbortSignal.any([this.stopping.signal, AbortSignal.timeout(PROVIDE_TIMEOUT_MS)])
      this.provide(entry.cid, signal).then(() => {
        entry.announced = true
        entry.tableAtAnnounce = Math.max(tableAtStart, this.tableSize?.() ?? 0)
        entry.backoff = RETRY_MIN_MS
        entry.nextAt = Date.now() + REANNOUNCE_INTERVAL_MS
        this.onEvent?.({ cid: key, ok: true })
      }, (err: any) => {
        entry.nextAt = Date.now() + entry.backoff
        entry.backoff = Math.min(entry.backoff * 2, RETRY_MAX_MS)
        this.onEvent?.({ cid: key, ok: false, error: String(err?.message ?? err) })
      }).finally(() => { entry.running = false })
    }
  }
}
