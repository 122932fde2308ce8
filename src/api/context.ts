import type { Readable } from 'node:stream'
import type { DownloadManager } from '../daemon/download-manager.js'
import type { DaemonEvents } from '../daemon/events.js'
import type { Logger, LogRecord } from '../log/logger.js'
import type { ShoalMetrics } from '../metrics/shoal-metrics.js'
import type { ConnectionSummary, ContentSummary, ShareResult } from '../node/node.js'
import type { SwarmContent } from '../swarm/common/swarm-content.js'
import type { StorageService } from '../storage/service.js'
import type { Reachability } from '../reach/options.js'

/** The node as `GET /api/v1/node` and the `stats` event report it. */
export interface NodeStatus {
  peerId: string
  addrs: string[]
  /** TCP port for direct connections; absent when they are off. */
  directPort?: number
  /** Whether others can dial this node (reach/). */
  reachability: Reachability
  /** Peer IDs of the relays this node holds a reservation on. */
  relays: string[]
  dataDir: string
  downloadsDir: string
  version: string
  startedAt: number
  uptimeSeconds: number
  peers: number
  banned: number
  dhtPeers: number
  shares: number
  downloads: Record<string, number>
  downloadedBytes: number
  uploadedBytes: number
  downloadRate: number
  uploadRate: number
}

/** A connected peer with its traffic, as `GET /api/v1/peers` reports it. */
export interface PeerInfo extends ConnectionSummary {
  downloadRate: number
  uploadRate: number
  downloaded: number
  uploaded: number
}

/** A share as `POST /api/v1/shares` reports it: what `shoal share --json` prints. */
export interface ShareInfo extends ShareResult {
  peerId: string
  addrs: string[]
}

/** What the HTTP routes need of the daemon. The routes map HTTP to these calls and nothing more. */
export interface ApiContext {
  token: string
  logger: Logger
  metrics: ShoalMetrics
  events: DaemonEvents
  downloads: DownloadManager
  contentOf: (cid: string) => SwarmContent | undefined
  status: () => NodeStatus
  peers: () => PeerInfo[]
  bannedPeers: () => string[]
  library: (role?: 'share' | 'download') => ContentSummary[]
  /** `pieceSize`: bytes per piece (default: about 1,024 pieces). */
  share: (path: string, pieceSize?: number, secret?: boolean) => Promise<ShareInfo>
  upload: (name: string, body: Readable) => Promise<ShareInfo>
  removeShare: (cid: string) => Promise<void>
  connect: (addr: string) => Promise<string>
  ban: (peerId: string) => Promise<void>
  activity: () => LogRecord[]
  /** The node's download and upload rate, one sample a second, oldest first. */
  history: () => RateSample[]
  /** Storage sharing (src/storage/), unless the node runs without it. */
  storage?: Pick<StorageService, 'status' | 'jobs'>
}

export interface RateSample { time: number, downloadRate: number, uploadRate: number }
