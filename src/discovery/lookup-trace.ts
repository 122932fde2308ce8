/**
 * Follows one DHT provider lookup through kad-dht's progress events: how long until the first
 * provider, in how many hops (a peer named by the routing table is 1 hop away, one named in its
 * answer 2, ...; providers this node already knew: 0), and how many peers were asked. For the
 * `lookup` node event (metrics, `npm run bench -- dht-scale`).
 */
export interface LookupFigures {
  /** Milliseconds from the start of the lookup to the first provider; undefined if none came. */
  firstMs?: number
  /** Hops to the peer that named the first provider. */
  hops?: number
  /** Peers queried in all. */
  queried: number
}

interface ProgressEvent { type: string, detail?: { from?: { toString: () => string }, to?: { toString: () => string }, closer?: Array<{ id: { toString: () => string } }>, providers?: unknown[] } }

export class LookupTrace {
  private readonly started = Date.now()
  private readonly depth = new Map<string, number>()
  private readonly figures: LookupFigures = { queried: 0 }
  private readonly self: string

  constructor (selfPeerId: string) {
    this.self = selfPeerId
  }

  /** Pass as `onProgress` of `findProviders`. */
  readonly onProgress = (event: ProgressEvent): void => {
    const detail = event.detail
    if (event.type === 'kad-dht:query:send-query') {
      this.figures.queried++
      return
    }
    if (event.type !== 'kad-dht:query:peer-response' || detail?.from === undefined) return
    const from = detail.from.toString()
    const hops = from === this.self ? 0 : this.depth.get(from) ?? 1
    for (const peer of detail.closer ?? []) {
      const id = peer.id.toString()
      if (!this.depth.has(id)) this.depth.set(id, hops + 1)
    }
    if ((detail.providers?.length ?? 0) > 0 && this.figures.firstMs === undefined) {
      this.figures.firstMs = Date.now() - this.started
      this.figures.hops = hops
    }
  }

  result (): LookupFigures {
    return { ...this.figures }
  }
}
