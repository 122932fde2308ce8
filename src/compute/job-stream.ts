/** Reading `/shoal/compute/1.0.0` frames off a libp2p stream, one at a time, each bounded in size and time. */
import type { Stream } from '@libp2p/interface'
import { ErrorCode, ShoalError } from '../errors.js'
import { computeFrameLength, LENGTH_BYTES } from './messages.js'

/**
 * Frames of one stream in order. Each `next` waits at most as long as `signal` allows; bytes past
 * a frame stay for the next one, and a frame over the limit fails before its body is read.
 */
export class FrameReader {
  private readonly iterator: AsyncIterator<Uint8Array | { subarray: () => Uint8Array }>
  private buffered = new Uint8Array(0)

  constructor (stream: Stream) {
    this.iterator = stream[Symbol.asyncIterator]()
  }

  async next (signal: AbortSignal): Promise<Uint8Array> {
    while (true) {
      if (this.buffered.byteLength >= LENGTH_BYTES) {
        const length = computeFrameLength(this.buffered.subarray(0, LENGTH_BYTES))
        if (this.buffered.byteLength >= LENGTH_BYTES + length) {
          const body = this.buffered.slice(LENGTH_BYTES, LENGTH_BYTES + length)
          this.buffered = this.buffered.slice(LENGTH_BYTES + length)
          return body
        }
      }
      const chunk = await this.read(signal)
      const joined = new Uint8Array(this.buffered.byteLength + chunk.byteLength)
      joined.set(this.buffered)
      joined.set(chunk, this.buffered.byteLength)
      this.buffered = joined
    }
  }

  private async read (signal: AbortSignal): Promise<Uint8Array> {
    if (signal.aborted) throw new ShoalError(ErrorCode.Timeout, 'compute stream: no frame in time')
    let onAbort = (): void => {}
    const aborted = new Promise<never>((_resolve, reject) => {
      onAbort = () => reject(new ShoalError(ErrorCode.Timeout, 'compute stream: no frame in time'))
      signal.addEventListener('abort', onAbort, { once: true })
    })
    try {
      const result = await Promise.race([this.iterator.next(), aborted])
      if (result.done === true) throw new ShoalError(ErrorCode.BadMessage, 'compute stream ended inside a frame')
      const value = result.value
      return value instanceof Uint8Array ? value : value.subarray()
    } finally {
      signal.removeEventListener('abort', onAbort)
    }
  }
}
