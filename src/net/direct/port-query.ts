import type { Connection, Stream } from '@libp2p/interface'
import { DIRECT_QUERY_TIMEOUT_MS } from './constants.js'

/**
 * `/shoal/direct/1.0.0`: the dialer opens a libp2p stream and reads one answer, then both close.
 * The dialer stops reading after 3 bytes.
 * The answer is 3 bytes: version 1, then the direct port as a big-endian u16. The host is never
 * sent: a direct connection goes to the address of the libp2p connection it was asked over.
 */
export const PORT_ANSWER_VERSION = 1

export function encodePortAnswer (port: number): Uint8Array {
  return Uint8Array.of(PORT_ANSWER_VERSION, port >> 8, port & 0xff)
}

/** The port in an answer; undefined if it is not a version-1 answer with a usable port. */
export function decodePortAnswer (bytes: Uint8Array): number | undefined {
  if (bytes.byteLength !== 3 || bytes[0] !== PORT_ANSWER_VERSION) return undefined
  const port = ((bytes[1] as number) << 8) | (bytes[2] as number)
  return port === 0 ? undefined : port
}

/** Answers one query stream with `port`. */
export async function answerPortQuery (stream: Stream, port: number): Promise<void> {
  try {
    stream.send(encodePortAnswer(port))
    await stream.close({ signal: AbortSignal.timeout(DIRECT_QUERY_TIMEOUT_MS) })
  } catch {
    stream.abort(new Error('port query failed'))
  }
}

/** Asks the peer on `connection` for its direct port; undefined if it has none or does not answer well. */
export async function queryPort (connection: Connection, protocol: string, signal: AbortSignal): Promise<number | undefined> {
  const s = AbortSignal.any([signal, AbortSignal.timeout(DIRECT_QUERY_TIMEOUT_MS)])
  try {
    return await ask(connection, protocol, s)
  } catch (err) {
    // Whatever libp2p threw when the time ran out, the caller is told it was a timeout.
    if (s.aborted && !signal.aborted) throw Object.assign(new Error('port query timed out'), { name: 'TimeoutError' })
    throw err
  }
}

async function ask (connection: Connection, protocol: string, s: AbortSignal): Promise<number | undefined> {
  const stream = await connection.newStream(protocol, { signal: s })
  try {
    const received: Uint8Array[] = []
    let length = 0
    const onAbort = (): void => { stream.abort(new Error('port query timed out')) }
    s.addEventListener('abort', onAbort, { once: true })
    try {
      for await (const chunk of stream) {
        const bytes = chunk instanceof Uint8Array ? chunk : chunk.subarray()
        received.push(bytes)
        length += bytes.byteLength
        if (length >= 3) break
      }
    } finally {
      s.removeEventListener('abort', onAbort)
    }
    return decodePortAnswer(Buffer.concat(received))
  } finally {
    stream.abort(new Error('done'))
  }
}
