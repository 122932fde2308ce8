import { REQUEST_ENTRY_BYTES } from '../../budget/constants.js'
import type { StreamBudget } from '../../budget/memory-budget.js'
import type { MessageChannel } from '../common/message-channel.js'
import type { SwarmContent } from '../common/swarm-content.js'
import type { TokenBucket } from '../common/token-bucket.js'
import { MAX_QUEUED_REQUESTS } from './constants.js'

/**
 * Piece buffers a stream keeps for reuse. A fresh buffer per piece would make V8 run a full
 * garbage collection every few dozen MiB served (external memory pressure): measured on a 1 GiB
 * upload, 32 mark-compacts and about 2 CPU seconds. Buffers come back only from pipes that say
 * when they are done with them (direct connections, see Pipe.send).
 */
const POOLED_BUFFERS = 4
const MIN_POOLED_BYTES = 64 * 1024

export interface RequestQueueOptions {
  /** Called after a piece has been handed to the stream. */
  onUpload?: (peerId: string, bytes: number) => void
  /** Caps the node's total upload rate, if set. */
  limit?: TokenBucket
  /** A piece went out (FloodGuard.served). */
  onServed?: () => void
  /** A write failed (the reader stalled, the stream broke); the stream has been reset. */
  onFailure?: (err: unknown) => void
  /** A piece was answered with `reject` (queue full, node busy, the stored copy no longer matches). */
  onReject?: (piece: number) => void
}

interface Reading { piece: number, bytes: number, data: Promise<Uint8Array | undefined> }

/**
 * The requests of one provider stream, answered in arrival order; bounded (MAX_QUEUED_REQUESTS,
 * more are rejected) and cancellable until their read has started. Pieces are read from disk (and
 * re-hashed) ahead of the one being sent, so disk reads overlap the network, as far as the
 * stream's memory budget allows (budget/): a piece's bytes are taken from it before the read and
 * given back once the pipe has taken them, so read-ahead is counted in bytes (several small
 * pieces, or one big one) and waits, fairly, when the node's budget is full.
 */
export class RequestQueue {
  private readonly pending: number[] = []
  private readonly reading: Reading[] = []
  private running = false
  private closed = false
  private readonly spare: Buffer[] = []

  constructor (
    private readonly content: SwarmContent,
    private readonly channel: MessageChannel,
    private readonly peerId: string,
    private readonly budget: StreamBudget,
    private readonly options: RequestQueueOptions = {}
  ) {}

  /** Queues a request; returns false when it was rejected instead (queue full, or already queued). */
  add (piece: number): boolean {
    if (this.pending.length + this.reading.length >= MAX_QUEUED_REQUESTS || this.pending.includes(piece)) {
      this.reject(piece)
      return false
    }
    // A node out of budget says "not now" (not the requester's fault: it counts as no overflow).
    if (!this.budget.tryTake('requests', REQUEST_ENTRY_BYTES)) {
      this.reject(piece)
      return true
    }
    this.pending.push(piece)
    if (!this.running) {
      void this.drain()
    }
    return true
  }

  cancel (piece: number): void {
    const at = this.pending.indexOf(piece)
    if (at < 0) return
    this.pending.splice(at, 1)
    this.budget.give('requests', REQUEST_ENTRY_BYTES)
  }

  clear (): void {
    this.closed = true
    this.budget.give('requests', this.pending.length * REQUEST_ENTRY_BYTES)
    this.pending.length = 0
  }

  private reject (piece: number): void {
    this.options.onReject?.(piece)
    void this.channel.write({ type: 'reject', piece }).catch(() => {})
  }

  private lengthOf (piece: number): number {
    return this.content.layout.locate(piece).length
  }

  private startRead (piece: number, bytes: number): Reading {
    this.budget.give('requests', REQUEST_ENTRY_BYTES)
    return { piece, bytes, data: this.content.readVerifiedPiece(piece, this.spare.pop()) }
  }

  /** Starts reads for the next pending pieces while the budget has room for them now. */
  private readAhead (): void {
    for (let piece = this.pending[0]; piece !== undefined && !this.closed; piece = this.pending[0]) {
      const bytes = this.lengthOf(piece)
      if (!this.budget.tryTake('read-ahead', bytes)) return
      this.pending.shift()
      this.reading.push(this.startRead(piece, bytes))
    }
  }

  /** The next read: one already started, or (the budget being full) the next pending piece once it has room. */
  private async nextRead (): Promise<Reading | undefined> {
    for (;;) {
      this.readAhead()
      const started = this.reading.shift()
      if (started !== undefined) return started
      const piece = this.pending[0]
      if (piece === undefined || this.closed) return undefined
      const bytes = this.lengthOf(piece)
      await this.budget.take('read-ahead', bytes)
      const at = this.pending.indexOf(piece)
      if (this.closed || at < 0) {
        // Cancelled (or the stream ended) while waiting for room.
        this.budget.give('read-ahead', bytes)
        continue
      }
      this.pending.splice(at, 1)
      return this.startRead(piece, bytes)
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
      for (let next = await this.nextRead(); next !== undefined; next = await this.nextRead()) {
        try {
          const data = await next.data
          if (this.closed || !this.channel.open) return
          if (data === undefined) {
            this.options.onReject?.(next.piece)
            await this.channel.write({ type: 'reject', piece: next.piece })
            continue
          }
          await this.options.limit?.take(data.byteLength)
          if (this.closed) return
          await this.channel.write({ type: 'piece', piece: next.piece, data }, undefined, () => this.giveBack(data))
          this.options.onUpload?.(this.peerId, data.byteLength)
          this.options.onServed?.()
        } finally {
          // The pipe has taken the bytes (or the stream is gone): they no longer count.
          this.budget.give('read-ahead', next.bytes)
        }
      }
    } catch (err) {
      if (!this.closed) this.options.onFailure?.(err)
      this.channel.abort('write failed')
    } finally {
      // Reads still running keep their bytes until they finish.
      for (const r of this.reading.splice(0)) void r.data.finally(() => this.budget.give('read-ahead', r.bytes)).catch(() => {})
      this.running = false
    }
  }
}
