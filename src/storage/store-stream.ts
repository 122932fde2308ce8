/** One store request and its answer over a libp2p stream, both bounded in size and time. */
import type { Connection, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { ShoalLibp2p } from '../net/libp2p.js'
import { ErrorCode, ShoalError } from '../errors.js'
import { STORE_PROTOCOL, STORE_REQUEST_TIMEOUT_MS } from './constants.js'
import { decodeAnswer, decodeRequest, encodeFrame, FRAME_HEADER_BYTES, frameLength, type StoreAnswer, type StoreRequestMessage } from './messages.js'

/** Reads one frame's body from the stream (stops reading there). */
async function readFrame (stream: Stream): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  let length = 0
  let expected: number | undefined
  for await (const chunk of stream) {
    const bytes = chunk instanceof Uint8Array ? chunk : chunk.subarray()
    chunks.push(bytes)
    length += bytes.byteLength
    if (expected === undefined && length >= FRAME_HEADER_BYTES) expected = frameLength(Buffer.concat(chunks).subarray(0, FRAME_HEADER_BYTES))
    if (expected !== undefined && length >= FRAME_HEADER_BYTES + expected) break
  }
  if (expected === undefined || length < FRAME_HEADER_BYTES + expected) throw new ShoalError(ErrorCode.BadMessage, 'store stream ended inside a frame')
  const all = Buffer.concat(chunks)
  if (all.byteLength !== FRAME_HEADER_BYTES + expected) throw new ShoalError(ErrorCode.BadMessage, 'bytes after the store frame')
  return all.subarray(FRAME_HEADER_BYTES)
}

/** Sends `request` to `peerId` and returns its answer. Unreachable or silent: UNREACHABLE / TIMEOUT. */
export async function askStore (libp2p: ShoalLibp2p, peerId: string, request: StoreRequestMessage, signal: AbortSignal): Promise<StoreAnswer> {
  const s = AbortSignal.any([signal, AbortSignal.timeout(STORE_REQUEST_TIMEOUT_MS)])
  let stream: Stream
  try {
    stream = await libp2p.dialProtocol(peerIdFromString(peerId), STORE_PROTOCOL, { signal: s })
  } catch (err: any) {
    throw new ShoalError(ErrorCode.Unreachable, `cannot reach ${peerId} for storage: ${String(err?.message ?? err).split('\n')[0]}`)
  }
  const onAbort = (): void => { stream.abort(new Error('store request timed out')) }
  s.addEventListener('abort', onAbort, { once: true })
  try {
    stream.send(encodeFrame(request))
    const answer = decodeAnswer(await readFrame(stream))
    await stream.close({ signal: s }).catch(() => {})
    return answer
  } catch (err) {
    stream.abort(new Error('store request failed'))
    if (s.aborted && !signal.aborted) throw new ShoalError(ErrorCode.Timeout, `${peerId} did not answer a store request in time`)
    throw err
  } finally {
    s.removeEventListener('abort', onAbort)
  }
}

/** Answers one incoming store stream with `handler`'s answer; a bad request just closes it. */
export async function serveStore (stream: Stream, connection: Connection, handler: (request: StoreRequestMessage, from: string) => Promise<StoreAnswer>): Promise<void> {
  const s = AbortSignal.timeout(STORE_REQUEST_TIMEOUT_MS)
  const onAbort = (): void => { stream.abort(new Error('store request timed out')) }
  s.addEventListener('abort', onAbort, { once: true })
  try {
    const request = decodeRequest(await readFrame(stream))
    const answer = await handler(request, connection.remotePeer.toString())
    stream.send(encodeFrame(answer))
    await stream.close({ signal: s })
  } catch {
    stream.abort(new Error('bad store request'))
  } finally {
    s.removeEventListener('abort', onAbort)
  }
}
