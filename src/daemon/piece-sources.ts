import type { PieceEvent } from '../swarm/requester/download.js'
import { MAX_SOURCE_PEERS, SOURCE_EARLIER, SOURCE_OTHER } from './constants.js'

/** A peer's share of one download: bytes and pieces it gave. */
export interface SourcePeer { peerId: string, bytes: number, pieces: number }

/** What a piece map needs of the content: how many pieces, and which are verified. */
export interface PieceSet { pieceCount: number, has: (piece: number) => boolean }

/**
 * Which peer gave each piece of one download, for the dashboard's piece map. One byte per piece:
 * 0 = not here yet, 1..MAX_SOURCE_PEERS = that peer (index + 1), SOURCE_OTHER = a peer past
 * that many, SOURCE_EARLIER = verified before this daemon session (a resumed download).
 */
export class PieceSources {
  private bytesPerPiece?: Uint8Array
  private readonly peers: SourcePeer[] = []
  private readonly index = new Map<string, number>()

  /** Sizes the map once the piece count is known and marks what was verified before as SOURCE_EARLIER. */
  attach (pieces: PieceSet): void {
    if (this.bytesPerPiece === undefined || this.bytesPerPiece.length !== pieces.pieceCount) {
      this.bytesPerPiece = new Uint8Array(pieces.pieceCount)
    }
    const map = this.bytesPerPiece
    for (let i = 0; i < map.length; i++) {
      if (map[i] === 0 && pieces.has(i)) map[i] = SOURCE_EARLIER
    }
  }

  get attached (): boolean {
    return this.bytesPerPiece !== undefined
  }

  record (event: PieceEvent): void {
    if (!event.valid) return
    let at = this.index.get(event.peerId)
    if (at === undefined) {
      at = this.peers.length
      this.peers.push({ peerId: event.peerId, bytes: 0, pieces: 0 })
      this.index.set(event.peerId, at)
    }
    const peer = this.peers[at] as SourcePeer
    peer.bytes += event.bytes
    const map = this.bytesPerPiece
    if (map === undefined || event.piece >= map.length) {
      peer.pieces++
      return
    }
    // A piece fetched twice (verified just as a download was paused, then again after resuming)
    // belongs to its latest source only, so each piece is counted once.
    const previous = map[event.piece] ?? 0
    if (previous > 0 && previous <= MAX_SOURCE_PEERS) (this.peers[previous - 1] as SourcePeer).pieces--
    peer.pieces++
    map[event.piece] = at < MAX_SOURCE_PEERS ? at + 1 : SOURCE_OTHER
  }

  /** The per-piece source bytes (a copy) and the peers they index (bytes: all they sent, pieces: those on the map). */
  snapshot (): { sources: Uint8Array, peers: SourcePeer[] } {
    return { sources: (this.bytesPerPiece ?? new Uint8Array(0)).slice(), peers: this.peers.map(p => ({ ...p })) }
  }
}
