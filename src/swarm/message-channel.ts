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

  messages (signal?: AbortSignal): AsyncGenerator<Message> {
    return readMessages(this.stream, { signal })
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
