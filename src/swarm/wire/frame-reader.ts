import { Uint8ArrayList } from 'uint8arraylist'
import { ErrorCode, ShoalError } from '../../errors.js'
import { decodeMessage } from './codec.js'
import { FRAME_HEADER_BYTES, MAX_FRAME_BYTES, MESSAGE_CODES } from './constants.js'

/** Piece frames above this size are handed on as chunk lists (below it, one copy costs less). */
const PIECE_LIST_MIN_BYTES = 64 * 1024
import type { Message } from './messages.js'

/**
 * Cuts a byte stream into frame bodies. Chunks are kept by reference in a Uint8ArrayList (no
 * re-copying as data arrives); a frame inside one chunk is returned as a view of it, a piece frame
 * spread over several chunks as the list of them (never copied), any other frame spread over
 * chunks is copied once. Do not modify a chunk after pushing it.
 *
 * The length prefix is checked as soon as its 4 bytes are in, so a peer announcing a huge frame is
 * refused before we buffer any of it. After an error the reader stays failed: reset the stream.
 */
export class FrameReader {
  private readonly buffer = new Uint8ArrayList()
  /**
   * `maxFrameBytes`: the largest frame body this side accepts (at most MAX_FRAME_BYTES). A
   * provider passes the size of the largest requester message, so a frame announced larger is
   * refused from its header rather than buffered.
   */
  constructor (private readonly maxFrameBytes: number = MAX_FRAME_BYTES) {}

  /** Body length of the frame at the head of the buffer, once its prefix has been read. */
  private pending: number | undefined
  private failure: ShoalError | undefined

  /** Bytes received and not yet returned by `next`. */
  get bufferedBytes (): number {
    return this.buffer.byteLength
  }

  /** Adds received bytes. Throws FrameTooLarge / BadMessage if the next frame's prefix is bad. */
  push (chunk: Uint8Array | Uint8ArrayList): void {
    this.throwIfFailed()
    if (chunk.byteLength === 0) {
      return
    }
    this.buffer.append(chunk)
    this.readPrefix()
  }

  /** The next complete frame body (type byte + payload), or undefined until more bytes arrive. */
  next (): Uint8Array | Uint8ArrayList | undefined {
    this.throwIfFailed()
    const length = this.readPrefix()
    if (length === undefined || this.buffer.byteLength < FRAME_HEADER_BYTES + length) {
      return undefined
    }
    const spread = length > PIECE_LIST_MIN_BYTES && this.buffer.get(FRAME_HEADER_BYTES) === MESSAGE_CODES.piece
    const frame = spread
      ? this.buffer.sublist(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + length)
      : this.buffer.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + length)
    this.buffer.consume(FRAME_HEADER_BYTES + length)
    this.pending = undefined
    return frame
  }

  private readPrefix (): number | undefined {
    if (this.pending !== undefined || this.buffer.byteLength < FRAME_HEADER_BYTES) {
      return this.pending
    }
    const length = this.buffer.getUint32(0, false)
    if (length > this.maxFrameBytes) {
      this.fail(new ShoalError(ErrorCode.FrameTooLarge, `peer announced a ${length} byte frame, limit ${this.maxFrameBytes}`))
    }
    if (length === 0) {
      this.fail(new ShoalError(ErrorCode.BadMessage, 'zero-length frame'))
    }
    this.pending = length
    return length
  }

  private fail (err: ShoalError): never {
    this.failure = err
    this.buffer.consume(this.buffer.byteLength)
    throw err
  }

  private throwIfFailed (): void {
    if (this.failure !== undefined) {
      throw this.failure
    }
  }
}

function abortError (signal: AbortSignal): ShoalError {
  return new ShoalError(ErrorCode.Aborted, 'reading messages was aborted', { cause: signal.reason })
}

/** `it.next()`, or an Aborted rejection as soon as `signal` fires (the pending read is abandoned). */
async function nextOrAbort<T> (it: AsyncIterator<T>, signal: AbortSignal | undefined): Promise<IteratorResult<T>> {
  if (signal === undefined) {
    return await it.next()
  }
  if (signal.aborted) {
    throw abortError(signal)
  }
  return await new Promise((resolve, reject) => {
    const onAbort = (): void => { reject(abortError(signal)) }
    signal.addEventListener('abort', onAbort, { once: true })
    it.next().then(resolve, reject).finally(() => { signal.removeEventListener('abort', onAbort) })
  })
}

/**
 * The stream ended (closed or reset) inside a frame: the connection was cut while the peer was
 * sending, as when its node exits mid-piece. A BadMessage, but no proof of a broken peer: the
 * partial frame is dropped, and nobody is scored for it (common/faults.ts).
 */
export class StreamEndedInsideFrame extends ShoalError {
  constructor (bytesLeft: number) {
    super(ErrorCode.BadMessage, `stream ended inside a frame (${bytesLeft} bytes left)`)
  }
}

/** A frame was begun and not finished within the deadline given to readMessages. */
export class FrameDeadlineExceeded extends Error {}

/** `it.next()`, or a FrameDeadlineExceeded rejection once `at` (a Date.now() time) has passed. */
async function nextBefore<T> (it: AsyncIterator<T>, signal: AbortSignal | undefined, at: number | undefined): Promise<IteratorResult<T>> {
  if (at === undefined) return await nextOrAbort(it, signal)
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new FrameDeadlineExceeded('a frame was begun and not finished in time')), Math.max(0, at - Date.now()))
  })
  try {
    return await Promise.race([nextOrAbort(it, signal), late])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Decodes the messages of a stream (for example a libp2p Stream, which is an async iterable of
 * chunks). Throws ShoalError: BadMessage / FrameTooLarge for a broken peer (including a stream that
 * ends inside a frame), Aborted when `signal` fires. Errors of the source itself pass through.
 * `frameDeadlineMs`: once a frame's first byte is in, the rest must follow within this long, or
 * the read fails with FrameDeadlineExceeded (a peer cannot park half a frame in our memory).
 */
export async function * readMessages (
  source: AsyncIterable<Uint8Array | Uint8ArrayList>,
  options: { signal?: AbortSignal, maxFrameBytes?: number, frameDeadlineMs?: number } = {}
): AsyncGenerator<Message> {
  const { signal, frameDeadlineMs } = options
  const reader = new FrameReader(options.maxFrameBytes)
  const it = source[Symbol.asyncIterator]()
  let reading = false
  let done = false
  /** When the frame at the head of the buffer must be complete. */
  let deadline: number | undefined
  try {
    while (true) {
      reading = true
      const result = await nextBefore(it, signal, deadline)
      reading = false
      if (result.done === true) {
        done = true
        break
      }
      reader.push(result.value)
      for (let frame = reader.next(); frame !== undefined; frame = reader.next()) {
        deadline = undefined
        yield decodeMessage(frame)
        if (signal?.aborted === true) {
          throw abortError(signal)
        }
      }
      if (frameDeadlineMs !== undefined && reader.bufferedBytes > 0) deadline ??= Date.now() + frameDeadlineMs
    }
  } finally {
    if (!done) {
      // Stopped early (consumer broke off, bad frame, abort): release the source. If a read is
      // still pending (abort), do not wait for it: it may never settle.
      const closing = (async () => { await it.return?.() })().catch(() => {})
      if (!reading) {
        await closing
      }
    }
  }
  if (reader.bufferedBytes > 0) {
    throw new StreamEndedInsideFrame(reader.bufferedBytes)
  }
}
