import type { MessageChannel } from './message-channel.js'
import type { SwarmContent } from './swarm-content.js'
import type { TokenBucket } from './token-bucket.js'
import { MAX_QUEUED_REQUESTS } from './constants.js'

/**
 * Pieces read from disk (and re-hashed) ahead of the one being sent, so disk reads overlap the
 * network instead of alternating with it. Bounds memory per stream to READ_AHEAD pieces.
 */
export const READ_AHEAD = 3

/**
 * The requests of one provider stream, answered in arrival order; bounded (MAX_QUEUED_REQUESTS,
 * more are rejected) and cancellable until their read has started.
 */
export class RequestQueue {
  private readonly pending: number[] = []
  private readonly reading: Array<{ piece: number, data: Promise<Uint8Array | undefined> }> = []
  private running = false
  private closed = false

  constructor (
    private readonly content: SwarmContent,
    private readonly channel: MessageChannel,
    private readonly peerId: string,
    private readonly onUpload?: (peerId: string, bytes: number) => void,
    private readonly limit?: TokenBucket
  ) {}

  /** Queues a request; returns false when it was rejected instead (queue full, or already queued). */
  add (piece: number): boolean {
    if (this.pending.length + this.reading.length >= MAX_QUEUED_REQUESTS || this.pending.includes(piece)) {
      void this.channel.write({ type: 'reject', piece }).catch(() => {})
      return false
    }
    this.pending.push(piece)
    if (!this.running) {
      void this.drain()
    }
    return true
  }

  cancel (piece: number): void {
    const at = this.pending.indexOf(piece)
    if (at >= 0) this.pending.splice(at, 1)
  }

  clear (): void {
    this.closed = true
    this.pending.length = 0
  }

  private readAhead (): void {
    while (this.reading.length < READ_AHEAD && this.pending.length > 0) {
      const piece = this.pending.shift() as number
      this.reading.push({ piece, data: this.content.readVerifiedPiece(piece) })
    }
  }

  private async drain (): Promise<void> {
    this.running = true
    try {
      this.readAhead()
      for (let next = this.reading.shift(); next !== undefined && !this.closed && this.channel.open; next = this.reading.shift()) {
        const data = await next.data
        this.readAhead()
        if (data === undefined) {
          await this.channel.write({ type: 'reject', piece: next.piece })
          continue
        }
        await this.limit?.take(data.byteLength)
        if (this.closed) return
        await this.channel.write({ type: 'piece', piece: next.piece, data })
        this.onUpload?.(this.peerId, data.byteLength)
        this.readAhead()
      }
    } catch {
      this.channel.abort('write failed')
    } finally {
      this.reading.length = 0
      this.running = false
    }
  }
}
