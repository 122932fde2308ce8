import type { FileStamp } from '../../content/file-stamp.js'
import type { PieceLayout } from '../../content/layout.js'
import { SERVE_SAMPLE_RATE } from './constants.js'

/** Where a content's file bytes came from, which decides what may be served without hashing. */
export type FileTrust =
  /** Hashed while their files had these stamps (a share, a committed download): trusted while the stamp holds. */
  | { kind: 'stamps', stamps: ReadonlyArray<FileStamp | undefined> }
  /** Written here, piece by piece, after each piece was verified (a download's partial files). */
  | { kind: 'own-writes' }
  /** Nothing known (restored after a restart): every piece is hashed until a file is re-verified whole. */
  | { kind: 'unknown' }

export interface ServeCheckSource {
  layout: PieceLayout
  /** The file's stamp on disk now; undefined if it cannot be read. */
  stampOf: (file: number) => FileStamp | undefined
  /** Whether `data` is piece `piece` (its hash). */
  verify: (piece: number, data: Uint8Array) => boolean
  /** [0, 1); pieces are hashed anyway when it is below SERVE_SAMPLE_RATE. */
  random?: () => number
}

interface FileState {
  /** Served unhashed while the file shows this stamp. */
  trusted?: FileStamp
  /** The stamp the file had when re-verification began, and the pieces found good under it. */
  checking?: FileStamp
  checked: Set<number>
}

/**
 * Decides, for each piece read to be served, whether it must be hashed first. A piece is served
 * unhashed when its file shows the stamp it had when it was verified (size, mtime, ctime, inode),
 * except for a random SERVE_SAMPLE_RATE of pieces. Any other piece is hashed: a file whose stamp
 * changed is served only piece by verified piece until every one of its pieces has been found
 * good under its new stamp, then it is trusted again; a sampled piece that fails makes its file
 * untrusted. The receiver verifies every piece in any case (docs/security.md).
 */
export class ServeCheck {
  private states: FileState[]
  private readonly random: () => number

  constructor (private readonly source: ServeCheckSource, trust: FileTrust) {
    this.random = source.random ?? Math.random
    this.states = this.statesFor(trust)
  }

  /** Trust anew (the content's files moved, e.g. a download was committed). */
  reset (trust: FileTrust): void {
    this.states = this.statesFor(trust)
  }

  /** Whether `data`, just read for piece `piece`, may be served. */
  accept (piece: number, data: Uint8Array): boolean {
    const file = this.source.layout.locate(piece).file
    const state = this.states[file] as FileState
    const sampled = this.random() < SERVE_SAMPLE_RATE
    if (state.trusted === OWN_WRITES && !sampled) return true
    // After the read: a change before or during it shows in the stamp.
    const stamp = state.trusted === OWN_WRITES ? OWN_WRITES : this.source.stampOf(file)
    if (stamp !== undefined && stamp === state.trusted && !sampled) return true
    if (!this.source.verify(piece, data)) {
      state.trusted = undefined
      state.checking = undefined
      state.checked.clear()
      return false
    }
    if (stamp === undefined || stamp === state.trusted) return true
    if (stamp !== state.checking) {
      state.trusted = undefined
      state.checking = stamp
      state.checked.clear()
    }
    state.checked.add(piece)
    if (state.checked.size === this.source.layout.pieceCountOf(file)) {
      state.trusted = stamp
      state.checking = undefined
      state.checked.clear()
    }
    return true
  }

  private statesFor (trust: FileTrust): FileState[] {
    const files = this.source.layout.fileCount
    return Array.from({ length: files }, (_, file) => ({
      trusted: trust.kind === 'own-writes' ? OWN_WRITES : trust.kind === 'stamps' ? trust.stamps[file] : undefined,
      checked: new Set<number>()
    }))
  }
}

/** Stands for "written here" where a stamp would be; never a real stamp (those hold digits and colons only). */
const OWN_WRITES = 'own-writes'
