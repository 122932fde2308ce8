import type { Connection, PeerId, PrivateKey } from '@libp2p/interface'
import type { NetworkExtension, ShoalLibp2p } from '../net/libp2p.js'
import type { ShoalDatabase } from '../store/database.js'
import type { PeerScores } from '../swarm/common/peer-scores.js'
import type { ContentRegistry } from '../swarm/common/registry.js'
import type { ShoalNode } from './node.js'

/**
 * The seam through which the node composes its capabilities (reachability, storage, compute…):
 * each lives in its own folder, is built from the components below, and is started and stopped by
 * the node, as libp2p composes its services. node/node.ts knows none of them by name; it only
 * starts what node/capabilities.ts lists for its options.
 */
export interface NodeService {
  /** Short name, unique per node: `node.service(name)` finds the service by it. */
  readonly name: string
  /** Called once the node's network, store and swarm run. */
  start: () => Promise<void>
  /** Called before the network stops; must not throw. */
  stop: () => Promise<void>
  /**
   * The connection that should carry piece data to `peer` (e.g. waiting for a direct path when
   * only a relay answered). The first service that has it decides; without one, `libp2p.dial`.
   */
  connectionFor?: (peer: PeerId, signal: AbortSignal) => Promise<Connection>
  /**
   * Whether a direct TLS connection (net/direct/) is worth trying to the host of `connection`:
   * false when that connection reached the peer through its router (a punched hole, or the peer
   * dialling back), where its direct port cannot be reached. The first service that has it
   * decides; without one, yes.
   */
  directDialable?: (connection: Connection) => boolean
}

/** What the node's content operations look like to a service that fetches or publishes content. */
export type ContentOperations = Pick<ShoalNode, 'share' | 'get' | 'linkFor' | 'contentOf' | 'removeContent' | 'addrs' | 'connectedPeers'>

/** What a service is handed: the node's parts, never the node object itself. */
export interface NodeComponents {
  readonly peerId: string
  readonly privateKey: PrivateKey
  readonly dataDir: string
  readonly libp2p: ShoalLibp2p
  readonly db: ShoalDatabase
  readonly scores: PeerScores
  readonly registry: ContentRegistry
  readonly content: ContentOperations
  /** Aborted when the node stops. */
  readonly signal: AbortSignal
  /** Tells the node's user about something odd that is not an error. */
  readonly warn: (message: string) => void
  /** The TCP port of the node's direct connections (net/direct/), once it listens; undefined without them. */
  readonly directPort: () => number | undefined
}

/**
 * One capability of a node: what it adds to the libp2p network before that starts (transports,
 * libp2p services, announced addresses), and the service built once the node runs.
 */
export interface Capability {
  readonly name: string
  readonly network?: NetworkExtension
  create: (components: NodeComponents) => NodeService | Promise<NodeService>
}
