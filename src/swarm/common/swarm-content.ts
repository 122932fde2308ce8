import type { CID } from 'multiformats/cid'
import { HASH_BYTES, hashPiece } from '../../content/merkle.js'
import type { Manifest } from '../../content/manifest.js'
import { PieceLayout } from '../../content/layout.js'
import type { PieceStore } from './piece-store.js'
import { equalBytes } from '../../content/bytes.js'
import { Bitfield } from '../wire/bitfield.js'
import { InitialSeeding } from './initial-seeding.js'
import type { PieceData } from '../wire/messages.js'
import { ServeCheck, type FileTrust } from './serve-check.js'
import { HELD_CONTENT_BYTES } from './constants.js'

export interface SwarmContentInit {
  cid: CID
  signed: Uint8Array
  manifest: Manifest
  publisher: string
  hashes: Uint8Array
  files: PieceStore
  bitfield?: Bitfield
  /** What is known of the files' bytes (serve-check.ts); default: nothing, re-verified as served. */
  trust?: FileTrust
}

/**
 * One piece of content as the swarm sees it on this node: its manifest, the hash of every piece,
 * which pieces are verified here, and where their bytes live. Both the provider (serving) and a
 * download (filling it in) work on this object; `onHave` tells the provider about new pieces.
 */
export class SwarmContent {
  readonly cid: CID
  readonly key: string
  readonly signed: Uint8Array
  readonly manifest: Manifest
  readonly publisher: string
  readonly layout: PieceLayout
  readonly hashes: Uint8Array
  readonly bitfield: Bitfield
  /** Spreads a seed's first copies across the swarm (see initial-seeding.ts). */
  readonly seeding: InitialSeeding
  private pieceFiles: PieceStore
  private readonly haveListeners = new Set<(piece: number) => void>()
  private readonly serveCheck: ServeCheck
  /** Verified bytes of a small content's new pieces, until its files are final (HELD_CONTENT_BYTES). */
  private readonly held = new Map<number, Uint8Array>()

  constructor (init: SwarmContentInit) {
    this.cid = init.cid
    this.key = init.cid.toString()
    this.signed = init.signed
    this.manifest = init.manifest
    this.publisher = init.publisher
    this.layout = new PieceLayout(init.manifest)
    this.hashes = init.hashes
    this.pieceFiles = init.files
    this.bitfield = init.bitfield ?? Bitfield.full(this.layout.pieceCount)
    this.seeding = new InitialSeeding(this.layout.pieceCount)
    this.serveCheck = new ServeCheck({ layout: this.layout, stampOf: file => this.pieceFiles.stampOf(file), verify: (piece, data) => this.isValidPiece(piece, data) }, init.trust ?? { kind: 'unknown' })
  }

  get files (): PieceStore {
    return this.pieceFiles
  }

  get complete (): boolean {
    return this.bitfield.isComplete()
  }

  /** Bytes of the pieces verified so far (short last pieces counted as whole, except when complete). */
  verifiedBytes (): number {
    const total = this.layout.totalSize
    return this.complete ? total : Math.min(total, this.bitfield.count() * this.layout.pieceSize)
  }

  pieceHash (piece: number): Uint8Array {
    return this.hashes.subarray(piece * HASH_BYTES, (piece + 1) * HASH_BYTES)
  }

  /** The leaf hashes of one file, as sent in a `hashes` message. */
  fileHashes (file: number): Uint8Array {
    const first = this.layout.firstPiece(file)
    return this.hashes.subarray(first * HASH_BYTES, (first + this.layout.pieceCountOf(file)) * HASH_BYTES)
  }

  /** Whether `data` is piece `piece`; `digest`: its SHA-256 if the caller hashed it already (a page's WebCrypto). */
  isValidPiece (piece: number, data: PieceData, digest?: Uint8Array): boolean {
    if (data.byteLength !== this.layout.locate(piece).length) {
      return false
    }
    return equalBytes(digest ?? hashPiece(data), this.pieceHash(piece))
  }

  /**
   * Reads a piece we claim to have, for serving: a shared file edited in place must never be served
   * as the old content, so the piece is hashed unless its file is unchanged since it was verified
   * (serve-check.ts). Returns undefined when the bytes on disk no longer match. `into`: a buffer to
   * read into, if large enough (see readPiece).
   */
  async readVerifiedPiece (piece: number, into?: Uint8Array): Promise<Uint8Array | undefined> {
    if (!this.bitfield.has(piece)) {
      return undefined
    }
    const held = this.held.get(piece)
    if (held !== undefined) return held.slice() // a copy: a reader may reuse what it is given
    let data: Uint8Array
    try {
      data = await this.pieceFiles.readPiece(piece, into)
    } catch {
      return undefined
    }
    return this.serveCheck.accept(piece, data) ? data : undefined
  }

  /**
   * Records a verified piece and tells every provider stream about it. `data`, the piece's bytes,
   * is kept in memory until moveTo or dropHeld when the content is small (HELD_CONTENT_BYTES).
   */
  addPiece (piece: number, data?: PieceData): void {
    if (this.bitfield.has(piece)) {
      return
    }
    if (data !== undefined && this.layout.totalSize <= HELD_CONTENT_BYTES) this.held.set(piece, data.slice())
    this.bitfield.set(piece)
    for (const listener of this.haveListeners) {
      listener(piece)
    }
  }

  onHave (listener: (piece: number) => void): () => void {
    this.haveListeners.add(listener)
    return () => this.haveListeners.delete(listener)
  }

  /** After a download is committed, its bytes are served from their final place. */
  async moveTo (files: PieceStore): Promise<void> {
    const old = this.pieceFiles
    this.pieceFiles = files
    // Verified piece by piece, synced and renamed by us: trusted as the files show now.
    this.serveCheck.reset({ kind: 'stamps', stamps: Array.from({ length: this.layout.fileCount }, (_, file) => files.stampOf(file)) })
    this.dropHeld()
    await old.close()
  }

  /** Forgets the bytes kept by addPiece (the download ended): reads go to the files again. */
  dropHeld (): void {
    this.held.clear()
  }
}
