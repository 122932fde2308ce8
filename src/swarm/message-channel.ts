import type { Stream } from '@libp2p/interface'
import { encodeMessage } from './wire/codec.js'
import { readMessages } from './wire/frame-reader.js'
import type { Message } from './wire/messages.js'

/**
 * Shoal messages over one libp2p stream. Each frame is appended whole (never interleaved with
 * another frame), then the writer waits for the stream to drain, so a slow reader slows the writer
 * instead of growing a buffer.
 */
export class MessageChannel {
  readonly stream: Stream
  /** Bytes read from the stream so far, whole frames or not (stall detection watches it). */
  bytesIn = 0

  constructor (stream: Stream, readBufferBytes?: number) {
    this.stream = stream
    if (readBufferBytes !== undefined) {
      stream.maxReadBufferLength = Math.max(stream.maxReadBufferLength, readBufferBytes)
    }
  }

  get open (): boolean {
    return this.stream.status === 'open' && this.stream.writeStatus === 'writable'
  }

  async write (message: Message, signal?: AbortSignal): Promise<void> {
    if (!this.open) {
      return
    }
    let ok = true
    for (const chunk of encodeMessage(message)) {
      ok = this.stream.send(chunk)
    }
    if (!ok) {
      await this.stream.onDrain({ signal })
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
    if (!this.stream.send(joined)) {
      await this.stream.onDrain({ signal })
    }
  }

  messages (signal?: AbortSignal): AsyncGenerator<Message> {
    return readMessages(counted(this.stream, n => { this.bytesIn += n }), { signal })
  }

  async close (): Promise<void> {
    try {
      await this.stream.close({ signal: AbortSignal.timeout(2_000) })
    } catch {
      this.stream.abort(new Error('close timed out'))
    }
  }

  abort (reason: string): void {
    this.stream.abort(new Error(reason))
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
