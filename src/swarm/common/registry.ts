import type { SwarmContent } from './swarm-content.js'

/** Peers remembered per content for peer exchange; the oldest are forgotten first. */
export const MAX_SWARM_PEERS_REMEMBERED = 200

/**
 * What this node can serve, by CID string, and which peers have shown up in each swarm (they
 * opened a stream to us for it, or we to them). Downloads subscribe to hear of new swarm peers:
 * a leecher that asks us for content we are also fetching probably has pieces to give back.
 */
export class ContentRegistry {
  private readonly contents = new Map<string, SwarmContent>()
  private readonly swarmPeers = new Map<string, Set<string>>()
  private readonly peerListeners = new Map<string, Set<(peerId: string) => void>>()

  get (key: string): SwarmContent | undefined {
    return this.contents.get(key)
  }

  add (content: SwarmContent): void {
    this.contents.set(content.key, content)
  }

  delete (key: string): void {
    this.contents.delete(key)
    // Who was in its swarm is kept only while a download of it listens (it may be fetched again).
    if (!this.peerListeners.has(key)) this.swarmPeers.delete(key)
  }

  list (): SwarmContent[] {
    return [...this.contents.values()]
  }

  /** Notes that `peerId` takes part in the swarm of `key`. */
  notePeer (key: string, peerId: string): void {
    let peers = this.swarmPeers.get(key)
    if (peers === undefined) {
      peers = new Set()
      this.swarmPeers.set(key, peers)
    }
    if (!peers.has(peerId)) {
      peers.add(peerId)
      if (peers.size > MAX_SWARM_PEERS_REMEMBERED) {
        const oldest = peers.values().next().value as string
        peers.delete(oldest)
      }
      for (const listener of this.peerListeners.get(key) ?? []) {
        listener(peerId)
      }
    }
  }

  peersOf (key: string): string[] {
    return [...(this.swarmPeers.get(key) ?? [])]
  }

  onPeer (key: string, listener: (peerId: string) => void): () => void {
    let listeners = this.peerListeners.get(key)
    if (listeners === undefined) {
      listeners = new Set()
      this.peerListeners.set(key, listeners)
    }
    listeners.add(listener)
    return () => {
      listeners?.delete(listener)
      if (listeners?.size === 0) {
        this.peerListeners.delete(key)
      }
    }
  }
}
