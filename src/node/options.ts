/** The options and results of a node's public operations (createNode, share, get) and its events. */
import type { AnnounceEvent } from '../discovery/announcer.js'
import type { LookupFigures } from '../discovery/lookup-trace.js'
import type { StorageOptions } from '../storage/service.js'
import type { ComputeOptions } from '../compute/service.js'
import type { ReachOptions } from '../reach/options.js'
import type { Registry } from 'prom-client'
import type { Fault } from '../swarm/common/peer-scores.js'
import type { Download, DownloadProgress, DownloadResult, PieceEvent } from '../swarm/requester/download.js'
import type { ConnectionSummary, ContentSummary } from './content-list.js'
import type { Capability } from './service.js'
import type { WebSocketsOptions } from '../net/websockets.js'
import type { Manifest } from '../content/manifest.js'
import type { BudgetLimits } from '../budget/memory-budget.js'
import type { ReaderStallLimit } from '../swarm/common/message-channel.js'

export interface NodeOptions {
  /** Where the key and database live. Default `$SHOAL_HOME` or `~/.shoal`. */
  dataDir?: string
  /** Multiaddrs to listen on. Default `/ip4/0.0.0.0/tcp/0`. */
  listen?: string[]
  /** Multiaddrs (with `/p2p/<peerId>`) of peers to join the network through. */
  bootstrap?: string[]
  /** LAN discovery. Default true. */
  mdns?: boolean
  /** Most bytes per second this node uploads, over all peers. Default: no limit. */
  uploadLimit?: number
  /** Most bytes per second of piece data this node downloads, over all downloads. Default: no limit. */
  downloadLimit?: number
  /**
   * A private network's pre-shared key, the text of a key file (`shoal network-key`, see
   * net/network-key.ts): only nodes with the same key can connect to this one.
   */
  networkKey?: Uint8Array
  /**
   * Direct connections for piece data (net/direct/): TLS straight on a TCP port of its own, which
   * moves bulk data several times cheaper than a libp2p stream. Default true (off in a private
   * network); peers that cannot be reached directly are served over libp2p streams as usual.
   */
  direct?: boolean
  /** TCP port of the direct server. Default 0: any free port. */
  directPort?: number
  /** Storage sharing (src/storage/): an offer to volunteer disk, audit and repair intervals; false: none at all. */
  storage?: StorageOptions | false
  /** Processing sharing (src/compute/): slots offered to others' jobs and their caps. */
  compute?: ComputeOptions
  /** Where libp2p's metrics go (a prom-client registry; the daemon's /metrics). Default: none collected. */
  metricsRegistry?: Registry
  /** Reachability (reach/): relays, hole punching, UPnP; false: none (direct dials only). Default on. */
  reach?: ReachOptions | false
  /** WebSockets listener for web pages (net/websockets.ts): port, certificate; false: none. Default on. */
  webSockets?: WebSocketsOptions | false
  /** Addresses to announce besides those listened on (e.g. a reverse proxy's `/dns4/…/tcp/443/tls/ws`). */
  announce?: string[]
  /**
   * Take part in the DHT as a client only: look up and announce, but answer no DHT queries and
   * store no records, so peers keep it out of their routing tables. For a node that exits soon
   * (a `get` without `--seed`). Default false.
   */
  dhtClient?: boolean
  /** Extra capabilities to run (node/service.ts), beside those the options above switch on. */
  capabilities?: Capability[]
  /**
   * What the node may hold for others, in bytes (budget/constants.ts has the defaults), when a
   * requester that stops reading is reset, and how long it has to finish a frame it began.
   * Lower values are for tests.
   */
  memory?: Partial<BudgetLimits> & { readerStall?: ReaderStallLimit, frameDeadlineMs?: number }
}

export interface ShareResult {
  cid: string
  link: string
  name: string
  kind: 'file' | 'dir'
  path: string
  bytes: number
  files: number
  pieces: number
  /** Paths inside a folder that were not shared (symlinks, sockets…). */
  skipped: string[]
}

export interface GetOptions {
  /** Folder to write `<name>` into. Default: the current directory. */
  output?: string
  signal?: AbortSignal
  onProgress?: (progress: DownloadProgress) => void
  /** Give up when no peer delivers anything for this long. Default 60 s. */
  timeoutMs?: number
  /** Every piece received, valid or not, and from whom. */
  onPiece?: (event: PieceEvent) => void
  /** Called once the download exists: lets a reader ask for pieces first, or read availability. */
  onStart?: (download: DownloadControl) => void
  /** Accept the content only if signed by this peer ID (else, when no peer has such a copy: WRONG_PUBLISHER). */
  publisher?: string
  /** Fetch a secret content's sealed copy as it is, without a key (what holders keep and serve). */
  sealed?: boolean
  /** Peer IDs not to fetch from in this download. */
  avoid?: string[]
  /** Called with the verified manifest before anything is written; throwing ends the get with that error. */
  onManifest?: (manifest: Manifest) => void
}

/** What a running `get` lets its caller steer or inspect. */
export type DownloadControl = Pick<Download, 'prioritize' | 'availabilityOf'>

export type { DownloadProgress, DownloadResult, PieceEvent, ContentSummary, ConnectionSummary }

export interface NodeEvents {
  announce?: (event: AnnounceEvent) => void
  warning?: (message: string) => void
  /** A peer broke the swarm protocol, sent a bad piece, or timed out. */
  fault?: (peerId: string, fault: Fault) => void
  /** A DHT provider lookup ended (`ok` false: it failed or timed out). */
  lookup?: (event: { cid: string, ok: boolean, found: number } & LookupFigures) => void
}

/** Options of `ShoalNode.share`. */
export interface ShareOptions {
  signal?: AbortSignal
  onProgress?: (hashed: number, total: number) => void
  /**
   * Bytes per piece: a power of two from 16 KiB to 16 MiB. Default: about 1,024 pieces
   * (content/piece-size.ts). The same bytes with another piece size are another content ID.
   */
  pieceSize?: number
  /**
   * Encrypt first (content/secret.ts): the content shared is the sealed copy, and the link carries
   * its key in the fragment (`#k=…`). Holders of the sealed copy see neither names nor bytes.
   */
  secret?: boolean
}
