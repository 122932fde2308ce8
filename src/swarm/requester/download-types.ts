/** What a download needs from its node, what a caller passes it, and what it reports. */
import type { Pipe } from '../../net/pipe.js'
import type { CID } from 'multiformats/cid'
import type { Manifest } from '../../content/manifest.js'
import type { PieceData, PeerRecord } from '../wire/messages.js'
import type { DownloadStorage } from './download-storage.js'
import type { PeerScores } from '../common/peer-scores.js'
import type { RequestBudget } from './request-budget.js'
import type { ContentRegistry } from '../common/registry.js'

export interface DownloadComponents {
  registry: ContentRegistry
  scores: PeerScores
  localPeerId: string
  /** A libp2p stream to the peer for the swarm protocol (see SESSION_READ_BUFFER_BYTES). */
  openStream: (peerId: string, signal: AbortSignal) => Promise<Pipe>
  /** A direct connection to the peer, if it can be reached so (net/direct/); undefined otherwise. */
  openDirect?: (peerId: string, signal: AbortSignal) => Promise<Pipe | undefined>
  /** Adds peer-exchange records to the address book; returns their peer IDs. */
  learnPeers: (records: PeerRecord[]) => Promise<string[]>
  /** The node's download rate limit, if any (shared by every download). */
  budget?: RequestBudget
  /** SHA-256 of a piece off the calling thread (a page's WebCrypto); default: content/merkle.ts's hashPiece. */
  hashPiece?: (data: PieceData) => Promise<Uint8Array>
}

export interface DownloadOptions {
  cid: CID
  /** Where the content goes and what is kept for a resume (disk-storage.ts in Node). */
  storage: DownloadStorage
  /** Give up when no peer delivers the manifest or a new piece for this long. */
  stallTimeoutMs: number
  signal?: AbortSignal
  onProgress?: (progress: DownloadProgress) => void
  /** Every piece that arrives, valid (verified and written) or not (failed its hash check). */
  onPiece?: (event: PieceEvent) => void
  /** Accept the content only if this peer ID signed it. */
  publisher?: string
  /** Called with the verified manifest (signed by `publisher`) before anything is written; throwing stops the download with that error. */
  onManifest?: (manifest: Manifest, publisher: string) => void
  /** Peers never to fetch from in this download (a repair copying from the other holders, not the owner). */
  skipPeer?: (peerId: string) => boolean
  /** Every peer asked so far lacks the content or failed, and none is left to ask (a wider search is due). */
  onNoSource?: () => void
}

/** One piece received from a peer (for piece maps and metrics). */
export interface PieceEvent {
  piece: number
  peerId: string
  bytes: number
  valid: boolean
  /** How it came: over a direct connection (net/direct/) or a libp2p stream. */
  transport: Pipe['kind']
}

export interface DownloadProgress {
  cid: string
  phase: 'finding' | 'downloading' | 'done'
  name?: string
  totalBytes: number
  verifiedBytes: number
  receivedBytes: number
  pieces: number
  piecesDone: number
  peers: number
  bytesPerSecond: number
}

export interface DownloadResult {
  cid: string
  name: string
  kind: 'file' | 'dir'
  path: string
  publisher: string
  bytes: number
  received: number
  /** Of `received`, the bytes that came over direct connections (the rest came over libp2p streams). */
  direct: number
  /** Of `received`, the bytes that came through relays. */
  relayed: number
  peers: Record<string, number>
  durationMs: number
}
