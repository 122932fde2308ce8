import type { Uint8ArrayList } from 'uint8arraylist'
import type { FileStamp } from '../../content/file-stamp.js'

/**
 * Where a content's piece bytes live, as the swarm sees them: files on disk in Node
 * (store/piece-files.ts), the origin's private file system in a web page (src/browser/). Every
 * piece sits at its place in its file (content/layout.ts), so reads and writes are positional and
 * nothing holds a whole file in memory.
 */
export interface PieceStore {
  /** Piece `piece`, exactly its length (into `into` if large enough); throws if missing or short. */
  readPiece (piece: number, into?: Uint8Array): Promise<Uint8Array>
  /** Writes piece `piece` at its place; `data` is exactly its length. */
  writePiece (piece: number, data: Uint8Array | Uint8ArrayList): Promise<void>
  /** Creates every file at its final size, keeping bytes already there (a resumed download). */
  prepare (): Promise<void>
  /** Makes the writes so far durable. */
  sync (): Promise<void>
  /** The file's stamp now (size, times, inode), or undefined where the store cannot tell. */
  stampOf (file: number): FileStamp | undefined
  close (): Promise<void>
}
