import { RateMeter } from '../swarm/common/rate-meter.js'

/** Most peers whose totals are remembered; the least recently active are forgotten first. */
export const MAX_TRACKED_PEERS = 4_096

interface PeerTraffic { down: RateMeter, up: RateMeter, downloaded: number, uploaded: number }

/**
 * Bytes and rates per peer and in total, both ways. Downloads report each verified piece;
 * uploads are read from the node's cumulative per-peer counters once a second (`sampleUploads`).
 */
export class PeerRates {
  private readonly peers = new Map<string, PeerTraffic>()
  private readonly lastUploaded = new Map<string, number>()
  private readonly totalDown = new RateMeter()
  private readonly totalUp = new RateMeter()
  downloaded = 0
  uploaded = 0

  received (peerId: string, bytes: number): void {
    const peer = this.peer(peerId)
    peer.down.add(bytes)
    peer.downloaded += bytes
    this.totalDown.add(bytes)
    this.downloaded += bytes
  }

  /** `uploadedTo`: bytes sent to each peer since the node started (TransferStats). */
  sampleUploads (uploadedTo: Record<string, number>): void {
    for (const [peerId, total] of Object.entries(uploadedTo)) {
      const delta = total - (this.lastUploaded.get(peerId) ?? 0)
      this.lastUploaded.set(peerId, total)
      if (delta <= 0) continue
      const peer = this.peer(peerId)
      peer.up.add(delta)
      peer.uploaded += delta
      this.totalUp.add(delta)
      this.uploaded += delta
    }
  }

  of (peerId: string): { downloadRate: number, uploadRate: number, downloaded: number, uploaded: number } {
    const peer = this.peers.get(peerId)
    if (peer === undefined) return { downloadRate: 0, uploadRate: 0, downloaded: 0, uploaded: 0 }
    return { downloadRate: peer.down.perSecond(), uploadRate: peer.up.perSecond(), downloaded: peer.downloaded, uploaded: peer.uploaded }
  }

  rates (): { downloadRate: number, uploadRate: number } {
    return { downloadRate: this.totalDown.perSecond(), uploadRate: this.totalUp.perSecond() }
  }

  private peer (peerId: string): PeerTraffic {
    let peer = this.peers.get(peerId)
    if (peer === undefined) {
      peer = { down: new RateMeter(), up: new RateMeter(), downloaded: 0, uploaded: 0 }
      if (this.peers.size >= MAX_TRACKED_PEERS) {
        const oldest = this.peers.keys().next().value as string
        this.peers.delete(oldest)
      }
    } else {
      this.peers.delete(peerId) // re-inserted below: most recently active last
    }
    this.peers.set(peerId, peer)
    return peer
  }
}
