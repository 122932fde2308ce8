import type { IdentifyResult, PeerId } from '@libp2p/interface'
import type { ShoalLibp2p } from '../net/libp2p.js'
import { REVERSAL_DIAL_TIMEOUT_MS, MAX_REVERSALS } from './constants.js'

/**
 * Connection reversal: when a peer reaches us through a relay, we dial it back on the addresses
 * its identify just told us. A NATed seeder reached by a public downloader thus gets a direct
 * connection out through its own router (any NAT lets an outgoing connection in), with no hole
 * to punch. DCUtR does the same only to addresses it counts as public; this also covers LANs and
 * labs whose ranges are private, and costs one dial that fails fast when the peer is NATed too.
 */
export class ConnectionReversal {
  private readonly pending = new Set<string>()
  private readonly onIdentify = (evt: CustomEvent<IdentifyResult>): void => { this.reverse(evt.detail) }

  constructor (private readonly libp2p: ShoalLibp2p, private readonly signal: AbortSignal) {}

  start (): void {
    this.libp2p.addEventListener('peer:identify', this.onIdentify)
  }

  stop (): void {
    this.libp2p.removeEventListener('peer:identify', this.onIdentify)
  }

  private reverse (result: IdentifyResult): void {
    if (result.connection.limits === undefined || this.signal.aborted) return
    const peer: PeerId = result.peerId
    const key = peer.toString()
    if (this.pending.has(key) || this.pending.size >= MAX_REVERSALS || this.hasFullConnection(peer)) return
    const direct = result.listenAddrs.filter(a => !a.getComponents().some(c => c.name === 'p2p-circuit'))
    if (direct.length === 0) return
    this.pending.add(key)
    const target = direct.map(a => a.getComponents().some(c => c.name === 'p2p') ? a : a.encapsulate(`/p2p/${key}`))
    this.libp2p.dial(target, { signal: AbortSignal.any([this.signal, AbortSignal.timeout(REVERSAL_DIAL_TIMEOUT_MS)]) })
      .catch(() => {})
      .finally(() => this.pending.delete(key))
  }

  private hasFullConnection (peer: PeerId): boolean {
    return this.libp2p.getConnections(peer).some(c => c.limits === undefined && c.status === 'open')
  }
}
