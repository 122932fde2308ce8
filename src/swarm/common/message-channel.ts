import type { Pipe } from '../../net/pipe.js'
import { encodeMessage } from '../wire/codec.js'
import { readMessages } from '../wire/frame-reader.js'
import type { Message } from '../wire/messages.js'

/** How a channel tells a reader that stopped reading: see MessageChannel's `stall` option. */
export interface ReaderStallLimit {
  /** A write waiting for the pipe to drain must see this many bytes leave per window… */
  minBytes: number
  /** …of this many milliseconds, or the reader is stalled. */
  windowMs: number
}

/** The peer stopped reading what we send: the write could not drain within the stall limit. */
export class ReaderStalled extends Error {}

/**
 * Shoal messages over one pipe (a libp2p stream or a direct TLS connection). Each frame is handed
 * to the pipe whole (never interleaved with another frame), then the writer waits for the pipe to
 * drain, so a slow reader slows the writer instead of growing a buffer.
 */
export class MessageChannel {
  readonly pipe: Pipe
  /** Bytes read from the pipe so far, whole frames or not (stall detection watches it). */
  bytesIn = 0

  /**
   * `stall`: a write that waits for the pipe to drain fails with ReaderStalled when fewer than
   * `minBytes` go out in a window (the caller resets the pipe, which frees what it queued).
   * `maxFrameBytes`: the largest frame body accepted from the peer (FrameReader).
   * `frameDeadlineMs`: how long the peer has to finish a frame it began (readMessages).
   */
  constructor (pipe: Pipe, private readonly options: { stall?: ReaderStallLimit, maxFrameBytes?: number, frameDeadlineMs?: number } = {}) {
    this.pipe = pipe
  }

  get open (): boolean {
    return this.pipe.writable
  }

  /** `onSent`: see Pipe.send (called when the message's bytes may be reused, if the pipe can tell). */
  async write (message: Message, signal?: AbortSignal, onSent?: () => void): Promise<void> {
    if (!this.open) {
      return
    }
    if (!this.pipe.send(encodeMessage(message), onSent)) {
      await this.drain(signal)
    }
  }

  /**
   * Several small messages in one send: one yamux frame and one TLS record instead of one each,
   * which is most of the cost of a small message in libp2p's JavaScript stack.
   */
  async writeBatch (messages: Message[], signal?: AbortSignal): Promise<void> {
    if (!this.open || messages.length === 0) {
      return
    }
    const chunks = messages.flatMap(m => encodeMessage(m))
    const total = chunks.reduce((n, c) => n + c.byteLength, 0)
    const joined = new Uint8Array(total)
    let at = 0
    for (const chunk of chunks) {
      joined.set(chunk, at)
      at += chunk.byteLength
    }
    if (!this.pipe.send([joined])) {
      await this.drain(signal)
    }
  }

  private async drain (signal?: AbortSignal): Promise<void> {
    const stall = this.options.stall
    if (stall === undefined) {
      await this.pipe.drained(signal)
      return
    }
    const drained = this.pipe.drained(signal)
    drained.catch(() => {})
    let unsent = this.pipe.unsentBytes()
    for (;;) {
      let timer: ReturnType<typeof setTimeout> | undefined
      const tick = new Promise<'tick'>(resolve => { timer = setTimeout(() => resolve('tick'), stall.windowMs) })
      try {
        if (await Promise.race([drained, tick]) !== 'tick') return
      } finally {
        clearTimeout(timer)
      }
      const now = this.pipe.unsentBytes()
      if (now > 0 && unsent - now < stall.minBytes && this.pipe.writable) {
        throw new ReaderStalled(`fewer than ${stall.minBytes} bytes taken in ${stall.windowMs} ms (${now} waiting)`)
      }
      unsent = now
    }
  }

  messages (signal?: AbortSignal): AsyncGenerator<Message> {
    return readMessages(counted(this.pipe, n => { this.bytesIn += n }), { signal, maxFrameBytes: this.options.maxFrameBytes, frameDeadlineMs: this.options.frameDeadlineMs })
  }

  async close (): Promise<void> {
    await this.pipe.close()
  }

  abort (reason: string): void {
    this.pipe.abort(reason)
  }
}

/**
 * `source`, counting the bytes of each chunk as it is read. A plain iterator, not a generator, so
 * `return()` reaches the stream at once even while a read is pending.
 */
function counted<T extends { byteLength: number }> (source: AsyncIterable<T>, onBytes: (n: number) => void): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator] () {
      const it = source[Symbol.asyncIterator]()
      return {
        async next () {
          const result = await it.next()
          if (result.done !== true) onBytes(result.value.byteLength)
          return result
        },
        async return (value?: unknown) {
          return await it.return?.(value) ?? { done: true, value: undefined }
        }
      }
    }
  }
}
