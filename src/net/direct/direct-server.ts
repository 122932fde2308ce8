import { createServer, type Server, type TLSSocket } from 'node:tls'
import { socketPipe, type ServedPipe } from '../pipe.js'
import { directTlsOptions } from './tls-options.js'
import type { TicketBook } from './tickets.js'
import { DIRECT_ALPN, DIRECT_HANDSHAKE_TIMEOUT_MS, DIRECT_SERVE_BUFFER_BYTES, MAX_DIRECT_CONNECTIONS, MAX_DIRECT_PER_PEER } from './constants.js'

export interface DirectServerOptions {
  /** The tickets handed out over libp2p (ticket-query.ts): the only keys this server accepts. */
  tickets: TicketBook
  /** Hosts to listen on (those of the node's TCP listen addresses); all share one port. */
  hosts: string[]
  /** 0: any free port. */
  port: number
  isBanned: (peerId: string) => boolean
  /** An authenticated connection: serve the swarm protocol on it. */
  onPipe: (served: ServedPipe) => void
}

/**
 * Accepts direct connections: TLS 1.3 on a plain TCP port of its own, keyed by a single-use ticket
 * that only the peer it was issued to (over libp2p) can hold. A handshake with no valid ticket
 * fails inside TLS, before any byte of the swarm protocol is read; a banned peer, or one already
 * holding MAX_DIRECT_PER_PEER connections, is dropped. On a direct connection the swarm protocol
 * runs exactly as on a libp2p stream, without multiplexing: node:tls encrypts straight on the
 * socket, several times cheaper per byte than libp2p's JavaScript stream stack
 * (docs/benchmarks.md).
 */
export class DirectServer {
  private readonly servers: Server[] = []
  private readonly byPeer = new Map<string, Set<TLSSocket>>()
  /** Who each handshaking socket's ticket was issued to. */
  private readonly ticketHolder = new WeakMap<TLSSocket, string>()
  private boundPort = 0

  constructor (private readonly opts: DirectServerOptions) {}

  /** The port peers connect to (0 before start). */
  get port (): number {
    return this.boundPort
  }

  async start (): Promise<void> {
    let port = this.opts.port
    for (const host of this.opts.hosts) {
      const server = createServer({
        ...directTlsOptions(),
        handshakeTimeout: DIRECT_HANDSHAKE_TIMEOUT_MS,
        pskCallback: (socket, identity) => {
          const ticket = this.opts.tickets.redeem(identity)
          if (ticket === undefined) return null
          this.ticketHolder.set(socket, ticket.peerId)
          return ticket.key
        }
      }, socket => { this.accept(socket) })
      server.maxConnections = MAX_DIRECT_CONNECTIONS
      // A failed or timed-out handshake costs only that socket, which must be closed here.
      server.on('tlsClientError', (_err, socket) => { socket.destroy() })
      try {
        port = await listen(server, host, port)
      } catch (err) {
        // The first host decides the port; another host where it is taken goes without.
        if (this.servers.length === 0) throw err
        continue
      }
      this.servers.push(server)
    }
    this.boundPort = port
  }

  /** Drops every direct connection of `peerId` (it was just banned). */
  hangUp (peerId: string): void {
    for (const socket of this.byPeer.get(peerId) ?? []) socket.destroy()
  }

  async stop (): Promise<void> {
    for (const sockets of this.byPeer.values()) for (const socket of sockets) socket.destroy()
    await Promise.all(this.servers.map(async server => await new Promise<void>(resolve => server.close(() => resolve()))))
    this.servers.length = 0
  }

  private accept (socket: TLSSocket): void {
    socket.on('error', () => {})
    const peerId = this.ticketHolder.get(socket)
    const open = peerId !== undefined ? this.byPeer.get(peerId) ?? new Set<TLSSocket>() : undefined
    if (peerId === undefined || open === undefined || socket.alpnProtocol !== DIRECT_ALPN ||
        this.opts.isBanned(peerId) || open.size >= MAX_DIRECT_PER_PEER) {
      socket.destroy()
      return
    }
    open.add(socket)
    this.byPeer.set(peerId, open)
    socket.once('close', () => {
      open.delete(socket)
      if (open.size === 0 && this.byPeer.get(peerId) === open) this.byPeer.delete(peerId)
    })
    socket.setNoDelay(true)
    this.opts.onPipe({ pipe: socketPipe(socket, DIRECT_SERVE_BUFFER_BYTES), peerId, host: socket.remoteAddress, unreadBytes: DIRECT_SERVE_BUFFER_BYTES })
  }
}

async function listen (server: Server, host: string, port: number): Promise<number> {
  return await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      const address = server.address()
      resolve(typeof address === 'object' && address !== null ? address.port : port)
    })
  })
}
