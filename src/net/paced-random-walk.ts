/**
 * A random walk of the DHT that waits between its queries, in place of libp2p's own.
 *
 * libp2p's relay discovery walks the DHT for as long as the node holds fewer relay reservations
 * than it listens for, and AutoNAT walks it for peers to ask. libp2p's walk starts the next
 * query the moment the last one ends. In a small swarm each query returns at once with the
 * same few peers, so the walk spun: during a two-peer transfer on loopback both nodes ran ~20
 * DHT queries a second against each other (~7 % of the receiver's CPU), and a sharer whose only
 * downloader had left redialled it ~100 times a second, half a core for nothing (measured:
 * docs/benchmarks.md). This walk pauses WALK_PAUSE_MIN_MS after a query that met a peer this
 * walk had not seen, and doubles the pause (up to WALK_PAUSE_MAX_MS) after each that met nobody
 * new; in a large DHT every query brings new peers and the walk runs at nearly the old pace.
 */
import type { AbortOptions, PeerInfo, PeerRouting, Startable } from '@libp2p/interface'
import { sleep } from '../sleep.js'
import { WALK_KEY_BYTES, WALK_PAUSE_MAX_MS, WALK_PAUSE_MIN_MS, WALK_SEEN_MAX } from './constants.js'

export interface PacedRandomWalkComponents {
  peerRouting: PeerRouting
}

export class PacedRandomWalk implements Startable {
  readonly [Symbol.toStringTag] = '@shoal/paced-random-walk'
  private shutdown = new AbortController()

  constructor (private readonly components: PacedRandomWalkComponents) {}

  start (): void {
    this.shutdown = new AbortController()
  }

  stop (): void {
    this.shutdown.abort()
  }

  /** Peers of random DHT regions until `options.signal` aborts or the node stops. */
  async * walk (options: AbortOptions = {}): AsyncGenerator<PeerInfo> {
    const signal = options.signal === undefined ? this.shutdown.signal : AbortSignal.any([this.shutdown.signal, options.signal])
    const seen = new Set<string>()
    let pause = WALK_PAUSE_MIN_MS
    while (!signal.aborted) {
      let metNew = false
      try {
        const key = crypto.getRandomValues(new Uint8Array(WALK_KEY_BYTES))
        for await (const peer of this.components.peerRouting.getClosestPeers(key, { signal })) {
          const id = peer.id.toString()
          if (!seen.has(id)) {
            metNew = true
            if (seen.size >= WALK_SEEN_MAX) seen.clear()
            seen.add(id)
          }
          yield peer
        }
      } catch {
        // A failed query (no peers yet, a timeout) counts as meeting nobody: wait longer, try again.
      }
      pause = metNew ? WALK_PAUSE_MIN_MS : Math.min(pause * 2, WALK_PAUSE_MAX_MS)
      await sleep(pause, signal)
    }
    signal.throwIfAborted()
  }
}

/**
 * A libp2p service factory that puts a PacedRandomWalk where libp2p's services look for the
 * random walk (they read `components.randomWalk` when they start walking, not when built).
 */
export function pacedRandomWalk (): (components: PacedRandomWalkComponents & { randomWalk: unknown }) => PacedRandomWalk {
  return components => {
    const walk = new PacedRandomWalk(components)
    components.randomWalk = walk
    return walk
  }
}
