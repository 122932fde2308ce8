import { HASH_BYTES, INLINE_CONTENT_BYTES, INLINE_MAX_PIECES } from '../wire/constants.js'
import type { Message, PieceData } from '../wire/messages.js'

/**
 * What a 1.1.0 provider sent a session before the download asked (protocol.md §5.1): the answer
 * to a `get-manifest` pipelined with `open`, and a small content's hash lists and pieces sent with
 * the manifest. Kept until asked for, within the bounds of such a content (INLINE_CONTENT_BYTES,
 * INLINE_MAX_PIECES); anything past them is treated as unsolicited, as on 1.0.0.
 */
export class EarlyAnswers {
  /** A `get-manifest` went out with `open` and its answer was not yet taken by getManifest. */
  private manifestAsk?: { answer?: Message }
  private readonly hashes = new Map<number, Uint8Array>()
  private readonly pieces = new Map<number, PieceData>()
  private pieceBytes = 0

  constructor (askManifest: boolean) {
    if (askManifest) this.manifestAsk = {}
  }

  get manifestAsked (): boolean {
    return this.manifestAsk !== undefined
  }

  /** The pipelined `get-manifest`, once: its answer if it came, else the promise to wait for it without asking again. */
  takeManifestAsk (): { answer?: Message } | undefined {
    const ask = this.manifestAsk
    this.manifestAsk = undefined
    return ask
  }

  /** Keeps an answer nobody waits for yet; false when it is not one a provider may send unasked. */
  keep (message: Message): boolean {
    switch (message.type) {
      case 'manifest':
        if (this.manifestAsk === undefined || this.manifestAsk.answer !== undefined) return false
        this.manifestAsk.answer = message
        return true
      case 'hashes':
        if (this.hashes.size >= INLINE_MAX_PIECES || message.hashes.byteLength > INLINE_MAX_PIECES * HASH_BYTES) return false
        this.hashes.set(message.file, message.hashes)
        return true
      case 'piece': {
        const bytes = message.data.byteLength
        if (this.pieces.has(message.piece) || this.pieces.size >= INLINE_MAX_PIECES || this.pieceBytes + bytes > INLINE_CONTENT_BYTES) return false
        this.pieces.set(message.piece, message.data)
        this.pieceBytes += bytes
        return true
      }
      default:
        return false
    }
  }

  takeHashes (file: number): Uint8Array | undefined {
    const list = this.hashes.get(file)
    this.hashes.delete(file)
    return list
  }

  hasPieces (): boolean {
    return this.pieces.size > 0
  }

  takePiece (piece: number): PieceData | undefined {
    const data = this.pieces.get(piece)
    if (data === undefined) return undefined
    this.pieces.delete(piece)
    this.pieceBytes -= data.byteLength
    return data
  }
}
