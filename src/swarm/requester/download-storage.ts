import type { Manifest } from '../../content/manifest.js'
import type { PieceLayout } from '../../content/layout.js'
import type { PieceStore } from '../common/piece-store.js'

/**
 * Where a download puts what it verifies, and what it remembers for a resume: a folder on disk
 * with the node's database and journals in Node (disk-storage.ts), the origin's private file
 * system in a web page (src/browser/). The download calls these in order: check, place, open,
 * begin, then pieceAdded and saveProgress as pieces arrive, commit once all are verified, and
 * close at the end whatever happened.
 */
export interface DownloadStorage {
  /** Before any peer is asked: fails if nothing can be written where the content should go. */
  check: () => Promise<void>
  /**
   * Once the manifest is verified, before anything is allocated: `done` when this very content is
   * there complete already; throws if the place is taken or too small for `layout.totalSize`.
   */
  place: (manifest: Manifest, layout: PieceLayout) => Promise<'done' | 'todo'>
  /** The files the pieces go into (prepared), and the pieces a previous run says it verified. */
  open: (manifest: Manifest, layout: PieceLayout) => Promise<{ files: PieceStore, claimed?: Uint8Array }>
  /** The download starts for real: remember it (signed manifest, hashes, pieces found good). */
  begin: (signed: Uint8Array, hashes: Uint8Array, bitfield: Uint8Array) => Promise<void>
  /** A piece was verified and written. */
  pieceAdded: (piece: number) => void
  /** Every so often (and at the end), the pieces verified so far. */
  saveProgress: (bitfield: Uint8Array) => void
  /** Every piece is verified: makes the content final; returns the store it is served from now. */
  commit: (files: PieceStore) => Promise<PieceStore>
  /** Where the content is (or will be) for the user: a path, or a name. */
  readonly location: string
  close: () => Promise<void>
}
