import { connect, type TLSSocket } from 'node:tls'
import type { Connection, PeerId } from '@libp2p/interface'
import { socketPipe, type Pipe } from '../pipe.js'
import { directTlsOptions } from './tls-options.js'
import { queryTicket, type DirectTicket } from './ticket-query.js'
import { DIRECT_CONNECT_TIMEOUT_MS, DIRECT_HANDSHAKE_TIMEOUT_MS, DIRECT_PROTOCOL, DIRECT_RETRY_AFTER_TIMEOUT_MS, DIRECT_RETRY_MS } from './constants.js'

/**
 * Opens direct connections to peers (direct-server.ts on their side). Each one takes a fresh
 * ticket, asked for over our libp2p connection to the peer (ticket-query.ts); the host is that
 * connection's remote address, so a peer can only point us at itself, and only the peer that
 * issued the ticket can finish the handshake. Any failure (no ticket, an old peer, a firewall, a
 * wrong key) makes `open` return undefined and the caller keep its libp2p stream; that peer is
 * not tried again for DIRECT_RETRY_MS after a refusal (`refusal` below), for
 * DIRECT_RETRY_AFTER_TIMEOUT_MS after any other failure (a busy machine can cause those).
 */
export class DirectDialer {
  private readonly failedUntil = new Map<string, number>()
  private readonly sockets = new Map<string, Set<TLSSocket>>()

  constructor (private readonly readBufferBytes: number) {}

  async open (peer: PeerId, connection: Connection, signal: AbortSignal): Promise<Pipe | undefined> {
    const key = peer.toString()
    if ((this.failedUntil.get(key) ?? 0) > Date.now()) return undefined
    const host = hostOf(connection)
    if (host === undefined) return undefined
    try {
      const ticket = await queryTicket(connection, DIRECT_PROTOCOL, signal)
      if (ticket === undefined) throw new Error(NO_DIRECT_PORT)
      const socket = await dial(host, ticket, signal)
      this.track(key, socket)
      return socketPipe(socket, this.readBufferBytes)
    } catch (err) {
      if (signal.aborted) return undefined
      this.failedUntil.set(key, Date.now() + (refusal(err) ? DIRECT_RETRY_MS : DIRECT_RETRY_AFTER_TIMEOUT_MS))
      return undefined
    }
  }

  /** Drops our direct connections to `peerId` (it was banned). */
  hangUp (peerId: string): void {
    for (const socket of this.sockets.get(peerId) ?? []) socket.destroy()
  }

  stop (): void {
    for (const sockets of this.sockets.values()) for (const socket of sockets) socket.destroy()
  }

  private track (peerId: string, socket: TLSSocket): void {
    const sockets = this.sockets.get(peerId) ?? new Set()
    sockets.add(socket)
    this.sockets.set(peerId, sockets)
    socket.once('close', () => {
      sockets.delete(socket)
      if (sockets.size === 0 && this.sockets.get(peerId) === sockets) this.sockets.delete(peerId)
    })
  }
}

/**
 * Whether a failed open says the peer has no direct port for us: it answered "no", its port
 * refused the connection, or the TLS handshake failed on the key. Anything else (a timeout, a
 * connect that did not answer in time, a libp2p stream reset under load) is a busy machine, not
 * a refusal: in a flash crowd of 16 on two cores, treating those as refusals kept four fifths of
 * the bytes on libp2p streams (docs/benchmarks.md, round 7).
 */
function refusal (err: unknown): boolean {
  if (!(err instanceof Error)) return true
  if (err.message === NO_DIRECT_PORT) return true
  const code = (err as { code?: unknown }).code
  return code === 'ECONNREFUSED' || (typeof code === 'string' && code.startsWith('ERR_SSL_'))
}

const NO_DIRECT_PORT = 'no direct port'

/** The IP of a plain TCP libp2p connection; undefined for relayed or other transports. */
function hostOf (connection: Connection): string | undefined {
  const parts = connection.remoteAddr.getComponents()
  if (parts.some(p => p.name === 'p2p-circuit')) return undefined
  const ip = parts.find(p => p.name === 'ip4' || p.name === 'ip6')
  return parts.some(p => p.name === 'tcp') ? ip?.value : undefined
}

async function dial (host: string, ticket: DirectTicket, signal: AbortSignal): Promise<TLSSocket> {
  const identity = Buffer.from(ticket.id).toString('hex')
  const socket = connect({
    ...directTlsOptions(),
    host,
    port: ticket.port,
    // The server is authenticated by the ticket's key (only the peer that issued it has it), not by a certificate.
    checkServerIdentity: () => undefined,
    pskCallback: () => ({ psk: Buffer.from(ticket.key), identity })
  })
  // A short bound on reaching the port, a longer one on the handshake once it answers. A port
  // that does not answer is likely firewalled: that counts as a refusal, not a busy peer.
  const connectTimer = setTimeout(() => socket.destroy(new Error('direct connect timed out')), DIRECT_CONNECT_TIMEOUT_MS)
  socket.once('connect', () => clearTimeout(connectTimer))
  socket.once('close', () => clearTimeout(connectTimer))
  const timeout = AbortSignal.any([signal, AbortSignal.timeout(DIRECT_HANDSHAKE_TIMEOUT_MS)])
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (err?: unknown): void => { cleanup(); reject(err instanceof Error ? err : new Error('direct dial aborted')) }
      const ok = (): void => { cleanup(); resolve() }
      const cleanup = (): void => {
        socket.off('secureConnect', ok)
        socket.off('error', fail)
        timeout.removeEventListener('abort', onAbort)
      }
      const onAbort = (): void => fail(signal.aborted ? signal.reason : Object.assign(new Error('direct handshake timed out'), { name: 'TimeoutError' }))
      socket.once('secureConnect', ok)
      socket.once('error', fail)
      timeout.addEventListener('abort', onAbort, { once: true })
    })
  } catch (err) {
    socket.destroy()
    throw err
  }
  socket.on('error', () => {})
  socket.setNoDelay(true)
  return socket
}
