import type { Connection, Stream } from '@libp2p/interface'
import { DIRECT_QUERY_TIMEOUT_MS, TICKET_ID_BYTES, TICKET_KEY_BYTES } from './constants.js'
import type { Ticket } from './tickets.js'

/**
 * `/shoal/direct/1.0.0`: the dialer opens a libp2p stream and reads one answer; the answerer
 * closes the stream. The answer is 1 byte, 0 ("no direct connection"), or 51 bytes: 1, the
 * direct port (u16 BE), the ticket identity (16 bytes) and the ticket key (32 bytes). The host is
 * never sent: a direct connection goes to the address of the libp2p connection it was asked over.
 */
export const TICKET_ANSWER_VERSION = 1
export const TICKET_ANSWER_BYTES = 1 + 2 + TICKET_ID_BYTES + TICKET_KEY_BYTES

export interface DirectTicket extends Ticket { port: number }

export function encodeTicketAnswer (answer: DirectTicket | undefined): Uint8Array {
  if (answer === undefined) return Uint8Array.of(0)
  const out = new Uint8Array(TICKET_ANSWER_BYTES)
  out[0] = TICKET_ANSWER_VERSION
  out[1] = answer.port >> 8
  out[2] = answer.port & 0xff
  out.set(answer.id, 3)
  out.set(answer.key, 3 + TICKET_ID_BYTES)
  return out
}

/** The ticket in an answer; undefined for "no", a malformed answer, or port 0. */
export function decodeTicketAnswer (bytes: Uint8Array): DirectTicket | undefined {
  if (bytes.byteLength !== TICKET_ANSWER_BYTES || bytes[0] !== TICKET_ANSWER_VERSION) return undefined
  const port = ((bytes[1] as number) << 8) | (bytes[2] as number)
  if (port === 0) return undefined
  return {
    port,
    id: bytes.slice(3, 3 + TICKET_ID_BYTES),
    key: bytes.slice(3 + TICKET_ID_BYTES)
  }
}

/** Answers one query stream. */
export async function answerTicketQuery (stream: Stream, answer: DirectTicket | undefined): Promise<void> {
  try {
    stream.send(encodeTicketAnswer(answer))
    await stream.close({ signal: AbortSignal.timeout(DIRECT_QUERY_TIMEOUT_MS) })
  } catch {
    stream.abort(new Error('ticket query failed'))
  }
}

/** Asks the peer on `connection` for a ticket to its direct port; undefined if it gives none. */
export async function queryTicket (connection: Connection, protocol: string, signal: AbortSignal): Promise<DirectTicket | undefined> {
  const s = AbortSignal.any([signal, AbortSignal.timeout(DIRECT_QUERY_TIMEOUT_MS)])
  try {
    return await ask(connection, protocol, s)
  } catch (err) {
    // Whatever libp2p threw when the time ran out, the caller is told it was a timeout.
    if (s.aborted && !signal.aborted) throw Object.assign(new Error('ticket query timed out'), { name: 'TimeoutError' })
    throw err
  }
}

async function ask (connection: Connection, protocol: string, s: AbortSignal): Promise<DirectTicket | undefined> {
  // Optimistic: the protocol goes out with the first read, and its confirmation comes back with
  // the answer (one round trip, not two; a peer without it fails the read as it failed the select).
  const stream = await connection.newStream(protocol, { signal: s, negotiateFully: false })
  try {
    const received: Uint8Array[] = []
    let length = 0
    const onAbort = (): void => { stream.abort(new Error('ticket query timed out')) }
    s.addEventListener('abort', onAbort, { once: true })
    try {
      // Read until the answer is whole: 1 byte for "no", TICKET_ANSWER_BYTES for a ticket.
      for await (const chunk of stream) {
        const bytes = chunk instanceof Uint8Array ? chunk : chunk.subarray()
        received.push(bytes)
        length += bytes.byteLength
        if (length >= TICKET_ANSWER_BYTES || (length >= 1 && received[0]?.[0] === 0)) break
      }
    } finally {
      s.removeEventListener('abort', onAbort)
    }
    return decodeTicketAnswer(Buffer.concat(received))
  } finally {
    stream.abort(new Error('done'))
  }
}
