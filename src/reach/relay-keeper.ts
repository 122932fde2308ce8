import type { ShoalLibp2p } from '../net/libp2p.js'
import { BOOTSTRAP_TAG, RELAY_HOP_PROTOCOL, RELAY_REDIAL_TIMEOUT_MS, RELAY_RESERVATIONS, REACH_REFRESH_MS } from './constants.js'
import { reachStatus } from './reach-status.js'

/** What this file needs of @libp2p/circuit-relay-v2's transport (not in its public types). */
interface ReservationStoreLike { addRelay: (peer: unknown, type: 'discovered') => Promise<unknown> }

/**
 * Keeps RELAY_RESERVATIONS reservations. libp2p's relay discovery hears of a connected relay once
 * per connection (a filter of peers seen); when that one reservation attempt fails or comes too
 * early, it never tries that relay again while the connection lasts: in the NAT lab a seeder whose
 * only peer was its relay had no reservation after 10 s in 2 of 4 runs. Every REACH_REFRESH_MS,
 * while short of reservations, this offers each connected relay-capable peer to the transport's
 * reservation store again (it ignores relays it already holds), and dials again the bootstrap
 * peers it is not connected to: on a loaded machine the first dial can outlast libp2p's 5 s relay
 * discovery dial, which then aborts the bootstrap dial it shares, and bootstrap never retries.
 */
export class RelayKeeper {
  private timer?: NodeJS.Timeout

  constructor (private readonly libp2p: ShoalLibp2p) {}

  start (): void {
    this.timer = setInterval(() => { void this.refresh() }, REACH_REFRESH_MS)
    this.timer.unref()
  }

  stop (): void {
    clearInterval(this.timer)
  }

  private async refresh (): Promise<void> {
    const held = new Set(reachStatus(this.libp2p.getMultiaddrs()).relays)
    if (held.size >= RELAY_RESERVATIONS) return
    const store = this.reservationStore()
    if (store === undefined) return
    await this.redialBootstrap()
    for (const peer of this.libp2p.getPeers()) {
      if (held.has(peer.toString())) continue
      const known = await this.libp2p.peerStore.get(peer).catch(() => undefined)
      if (known?.protocols.includes(RELAY_HOP_PROTOCOL) !== true) continue
      await store.addRelay(peer, 'discovered').catch(() => {})
      if (reachStatus(this.libp2p.getMultiaddrs()).relays.length >= RELAY_RESERVATIONS) return
    }
  }

  private async redialBootstrap (): Promise<void> {
    const bootstrap = await this.libp2p.peerStore.all({ filters: [peer => peer.tags.has(BOOTSTRAP_TAG)] }).catch(() => [])
    for (const peer of bootstrap) {
      if (this.libp2p.getConnections(peer.id).length > 0) continue
      this.libp2p.dial(peer.id, { signal: AbortSignal.timeout(RELAY_REDIAL_TIMEOUT_MS) }).catch(() => {})
    }
  }

  private reservationStore (): ReservationStoreLike | undefined {
    const transports: unknown[] = (this.libp2p as any).components?.transportManager?.getTransports?.() ?? []
    const relay = transports.find(t => String((t as any)?.[Symbol.toStringTag]).includes('circuit-relay-v2-transport'))
    return (relay as { reservationStore?: ReservationStoreLike } | undefined)?.reservationStore
  }
}
