import type { MessageChannel } from '../common/message-channel.js'
import type { SwarmContent } from '../common/swarm-content.js'
import type { TokenBucket } from '../common/token-bucket.js'
import { MAX_QUEUED_REQUESTS } from './constants.js'

/**
 * Pieces read from disk (and checked, serve-check.ts) ahead of the one being sent, so disk reads overlap the
 * network instead of alternating with it. Bounds memory per stream to READ_AHEAD pieces.
 */
export const READ_AHEAD = 3

/**
 * Piece buffers a stream keeps for reuse. A fresh buffer per piece would make V8 run a full
 * garbage collection every few dozen MiB served (external memory pressure): measured on a 1 GiB
 * upload, 32 mark-compacts and about 2 CPU seconds. Buffers come back only from pipes that say
 * when they are done with them (direct connections, see Pipe.send).
 */
const POOLED_BUFFERS = READ_AHEAD + 2
const MIN_POOLED_BYTES = 64 * 1024

/**
 * The requests of one provider stream, answered in arrival order; bounded (MAX_QUEUED_REQUESTS,
 * more are rejected) and cancellable until their read has started.
 */
export class RequestQueue {
  private readonly pending: number[] = []
  private readonly reading: Array<{ piece: number, data: Promise<Uint8Array | undefined> }> = []
  private running = false
  private closed = false
  private readonly spare: Buffer[] = []

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
      this.reading.push({ piece, data: this.content.readVerifiedPiece(piece, this.spare.pop()) })
    }
  }

  private giveBack (data: Uint8Array): void {
    // Only buffers that own their memory: a small Buffer is a slice of Node's shared pool.
    if (!this.closed && this.spare.length < POOLED_BUFFERS && data.byteOffset === 0 && data.buffer.byteLength >= MIN_POOLED_BYTES) {
      this.spare.push(Buffer.from(data.buffer))
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
        await this.channel.write({ type: 'piece', piece: next.piece, data }, undefined, () => this.giveBack(data))
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
