/**
 * Dials the bootstrap peers again for as long as the DHT routing table is empty.
 *
 * libp2p's bootstrap module dials each bootstrap peer once, when the node starts. If those dials
 * fail (the peers are busy: in the 50-node lab, all 15 bootstrap dials of a host's 5 nodes did), the
 * node has no DHT peer, kad-dht holds every query until it has one, and nothing else ever
 * brings one: the node's announces and lookups wait forever (docs/benchmarks.md, round 6). This
 * service checks every BOOTSTRAP_RETRY_MIN_MS, doubling up to BOOTSTRAP_RETRY_MAX_MS while the
 * table stays empty, and dials every bootstrap address each time it finds the table empty.
 */
import { multiaddr } from '@multiformats/multiaddr'
import type { Capability, NodeComponents, NodeService } from '../node/service.js'
import { sleep } from '../sleep.js'
import { dhtTableSize } from '../net/libp2p.js'

/** First check for an empty routing table, and the pause after a check that found it filled. */
export const BOOTSTRAP_RETRY_MIN_MS = 5_000
/** Longest pause between redials while the table stays empty. */
export const BOOTSTRAP_RETRY_MAX_MS = 60_000
/** One redial of one bootstrap address is abandoned after this long. */
export const BOOTSTRAP_DIAL_TIMEOUT_MS = 15_000
export const BOOTSTRAP_RETRY_SERVICE = 'bootstrap-retry'

export interface BootstrapRetryParts {
  /** Peers in the DHT routing table now. */
  tableSize: () => number
  dial: (addr: string, signal: AbortSignal) => Promise<void>
  /** Aborted when the node stops. */
  signal: AbortSignal
}

export class BootstrapRetry implements NodeService {
  readonly name = BOOTSTRAP_RETRY_SERVICE
  private readonly stopping = new AbortController()
  private running?: Promise<void>
  /** Redials made, for tests and diagnostics. */
  redials = 0

  constructor (private readonly addrs: string[], private readonly parts: BootstrapRetryParts) {}

  async start (): Promise<void> {
    if (this.addrs.length > 0) this.running = this.loop()
  }

  async stop (): Promise<void> {
    this.stopping.abort()
    await this.running
  }

  private async loop (): Promise<void> {
    const signal = AbortSignal.any([this.stopping.signal, this.parts.signal])
    let pause = BOOTSTRAP_RETRY_MIN_MS
    while (!signal.aborted) {
      await sleep(pause, signal)
      if (signal.aborted) return
      if (this.parts.tableSize() > 0) {
        pause = BOOTSTRAP_RETRY_MIN_MS
        continue
      }
      this.redials++
      await Promise.all(this.addrs.map(async addr => {
        await this.parts.dial(addr, AbortSignal.any([signal, AbortSignal.timeout(BOOTSTRAP_DIAL_TIMEOUT_MS)])).catch(() => {})
      }))
      pause = Math.min(pause * 2, BOOTSTRAP_RETRY_MAX_MS)
    }
  }
}

/** The capability (node/service.ts) of a node that has bootstrap peers. */
export function bootstrapRetryCapability (addrs: string[]): Capability {
  return {
    name: BOOTSTRAP_RETRY_SERVICE,
    create: (c: NodeComponents) => new BootstrapRetry(addrs, {
      tableSize: () => dhtTableSize(c.libp2p),
      dial: async (addr, signal) => { await c.libp2p.dial(multiaddr(addr), { signal }) },
      signal: c.signal
    })
  }
}
