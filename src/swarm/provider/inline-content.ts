import type { MessageChannel } from '../common/message-channel.js'
import type { SwarmContent } from '../common/swarm-content.js'
import { INLINE_CONTENT_BYTES, INLINE_MAX_PIECES } from '../wire/constants.js'
import type { Message } from '../wire/messages.js'
import type { RequestQueue } from './request-queue.js'

/**
 * A small content sent with its manifest (`/shoal/swarm/1.1.0`, protocol.md §5.1). When the first
 * `get-manifest` of a 1.1.0 stream is for a complete content of at most INLINE_CONTENT_BYTES and
 * INLINE_MAX_PIECES pieces, the provider follows the `manifest` with the `hashes` of every file of
 * more than one piece and a `piece` for every piece, as if each had been asked for: a 1 KiB get
 * then costs one round trip after `open` instead of three (get-manifest, get-hashes, request).
 * Pieces go through the stream's request queue, so the upload limit, the memory budget and the
 * re-hash before sending apply as to any request. A pushed piece counts as requested: a `request`
 * for it that crosses it on the wire is not answered twice; if the push ends in `reject`, a later
 * request is answered as usual.
 */
export class InlineContent {
  private offered = false
  private readonly pushed = new Set<number>()

  constructor (private readonly content: SwarmContent, private readonly enabled: boolean) {}

  /** After the stream's first `manifest`: queues the content itself, when it qualifies. */
  async send (channel: MessageChannel, queue: RequestQueue): Promise<void> {
    if (!this.enabled || this.offered) return
    this.offered = true
    const { content } = this
    const { layout } = content
    if (!content.complete || layout.pieceCount === 0 || layout.totalSize > INLINE_CONTENT_BYTES || layout.pieceCount > INLINE_MAX_PIECES) return
    const hashes: Message[] = []
    for (let file = 0; file < layout.fileCount; file++) {
      if (layout.pieceCountOf(file) > 1) hashes.push({ type: 'hashes', file, hashes: content.fileHashes(file) })
    }
    if (hashes.length > 0) await channel.writeBatch(hashes)
    for (let piece = 0; piece < layout.pieceCount; piece++) {
      this.pushed.add(piece)
      queue.add(piece)
    }
  }

  /** Whether a `request` for `piece` is already answered by its pushed copy (then it is not queued again). */
  answers (piece: number): boolean {
    return this.pushed.delete(piece)
  }

  /** The queue answered `piece` with `reject`: a later request for it is served as any other. */
  rejected (piece: number): void {
    this.pushed.delete(piece)
  }
}
