/**
 * Where each piece lives. Pieces are per file (a file always starts a new piece and a piece
 * never spans two files); piece numbers run on across files in manifest order.
 */
import { ShoalError, ErrorCode } from '../errors.js'
import type { Manifest } from './manifest.js'

export interface PieceLocation {
  piece: number
  file: number
  /** Byte offset of the piece inside its file. */
  offset: number
  length: number
}

export class PieceLayout {
  readonly pieceCount: number
  readonly totalSize: number
  readonly pieceSize: number
  private readonly sizes: number[]
  /** firstPieces[f] = number of the file's first piece; firstPieces[fileCount] = pieceCount. */
  private readonly firstPieces: number[]

  constructor (manifest: Manifest) {
    this.pieceSize = manifest.pieceSize
    this.sizes = manifest.files.map(f => f.size)
    this.firstPieces = new Array<number>(this.sizes.length + 1)
    let pieces = 0
    let total = 0
    for (let f = 0; f < this.sizes.length; f++) {
      this.firstPieces[f] = pieces
      pieces += Math.ceil(this.sizes[f]! / this.pieceSize)
      total += this.sizes[f]!
    }
    this.firstPieces[this.sizes.length] = pieces
    this.pieceCount = pieces
    this.totalSize = total
  }

  get fileCount (): number {
    return this.sizes.length
  }

  /** File, offset in that file and length of a piece. The last piece of a file may be short. */
  locate (piece: number): PieceLocation {
    const file = this.fileOf(piece)
    const offset = (piece - this.firstPieces[file]!) * this.pieceSize
    const length = Math.min(this.pieceSize, this.sizes[file]! - offset)
    return { piece, file, offset, length }
  }

  /** Number of the file's first piece (for a 0-byte file: the number the next piece gets). */
  firstPiece (file: number): number {
    this.checkFile(file)
    return this.firstPieces[file]!
  }

  pieceCountOf (file: number): number {
    this.checkFile(file)
    return this.firstPieces[file + 1]! - this.firstPieces[file]!
  }

  /** Index of the file holding `piece`. */
  fileOf (piece: number): number {
    if (!Number.isInteger(piece) || piece < 0 || piece >= this.pieceCount) {
      throw new ShoalError(ErrorCode.BadArgument, `piece ${piece} is out of range (0..${this.pieceCount - 1})`)
    }
    // Last file whose first piece is <= piece. 0-byte files share their first piece number with
    // the next file, so taking the last such file skips them.
    let low = 0
    let high = this.sizes.length - 1
    while (low < high) {
      const mid = (low + high + 1) >>> 1
      if (this.firstPieces[mid]! <= piece) low = mid
      else high = mid - 1
    }
    return low
  }

  private checkFile (file: number): void {
    if (!Number.isInteger(file) || file < 0 || file >= this.sizes.length) {
      throw new ShoalError(ErrorCode.BadArgument, `file ${file} is out of range (0..${this.sizes.length - 1})`)
    }
  }
}
