import type { Pipe } from '../../net/pipe.js'
import { RateMeter } from '../common/rate-meter.js'

/** What a download received over the network: in all, over direct connections, from each peer, and how fast. */
export class ReceivedTally {
  /** Verified bytes that came over the network (not those found on disk at a resume). */
  total = 0
  /** Of `total`, the bytes that came over direct connections. */
  direct = 0
  /** Of `total`, the bytes that came through relays (data relays: reach/). */
  relayed = 0
  private readonly byPeer = new Map<string, number>()
  private readonly rate = new RateMeter()

  add (peerId: string, bytes: number, transport: Pipe['kind']): void {
    this.total += bytes
    if (transport === 'direct') this.direct += bytes
    if (transport === 'relayed') this.relayed += bytes
    this.rate.add(bytes)
    this.byPeer.set(peerId, (this.byPeer.get(peerId) ?? 0) + bytes)
  }

  peers (): Record<string, number> {
    return Object.fromEntries(this.byPeer)
  }

  /** The fields of a DownloadResult that say where the bytes came from. */
  summary (): { received: number, direct: number, relayed: number, peers: Record<string, number> } {
    return { received: this.total, direct: this.direct, relayed: this.relayed, peers: this.peers() }
  }

  bytesPerSecond (): number {
    return this.rate.perSecond()
  }
}
