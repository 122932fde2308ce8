import type { Connection, PeerId, Stream } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import type { Pipe, ServedPipe } from '../pipe.js'
import { remoteHost } from '../remote-address.js'
import { DirectDialer } from './direct-dialer.js'
import { DirectServer } from './direct-server.js'
import { answerTicketQuery } from './ticket-query.js'
import { TicketBook } from './tickets.js'
import { DIRECT_PROTOCOL } from './constants.js'
import { addressKey } from '../../budget/address.js'

export interface DirectTransportOptions {
  /** The node's TCP listen multiaddrs: the direct server listens on the same hosts. */
  listen: string[]
  /** 0: any free port. */
  port: number
  /** Unread bytes a requester's direct connection may buffer. */
  readBufferBytes: number
  isBanned: (peerId: string) => boolean
  /** A peer connected directly: serve the swarm protocol to it. */
  onPipe: (served: ServedPipe) => void
  /** libp2p's `handle` / `unhandle`, for the ticket query protocol. */
  handle: (protocol: string, handler: (stream: Stream, connection: Connection) => void) => Promise<void>
  unhandle: (protocol: string) => Promise<void>
}

/**
 * Direct connections for the swarm protocol's bulk data: a server for peers that connect to us,
 * a dialer for peers we download from, and the ticket query between them. Not used in a private
 * network (a pre-shared key guards libp2p connections only) or when turned off.
 */
export class DirectTransport {
  private constructor (
    private readonly server: DirectServer,
    private readonly dialer: DirectDialer,
    private readonly tickets: TicketBook,
    private readonly unhandle: () => Promise<void>
  ) {}

  /** Starts the server; undefined if the node listens on no TCP host. */
  static async start (opts: DirectTransportOptions): Promise<DirectTransport | undefined> {
    const hosts = [...new Set(opts.listen.map(tcpHostOf).filter((h): h is string => h !== undefined))]
    if (hosts.length === 0) return undefined
    const tickets = new TicketBook()
    const server = new DirectServer({ tickets, hosts, port: opts.port, isBanned: opts.isBanned, onPipe: opts.onPipe })
    await server.start()
    await opts.handle(DIRECT_PROTOCOL, (stream, connection) => {
      const peerId = connection.remotePeer.toString()
      const ticket = opts.isBanned(peerId) ? undefined : tickets.issue(peerId, addressKey(remoteHost(connection)))
      void answerTicketQuery(stream, ticket !== undefined ? { ...ticket, port: server.port } : undefined)
    })
    return new DirectTransport(server, new DirectDialer(opts.readBufferBytes), tickets, async () => { await opts.unhandle(DIRECT_PROTOCOL) })
  }

  get port (): number {
    return this.server.port
  }

  /** A direct connection to `peer` (reached on `connection`), or undefined: keep the libp2p stream. */
  async open (peer: PeerId, connection: Connection, signal: AbortSignal): Promise<Pipe | undefined> {
    return await this.dialer.open(peer, connection, signal)
  }

  /** Drops every direct connection with `peerId`, both ways, and its unused tickets (it was banned). */
  hangUp (peerId: string): void {
    this.tickets.revoke(peerId)
    this.server.hangUp(peerId)
    this.dialer.hangUp(peerId)
  }

  async stop (): Promise<void> {
    await this.unhandle().catch(() => {})
    this.dialer.stop()
    await this.server.stop()
  }
}

/** The host of a `/ip4|ip6/<host>/tcp/<port>` listen address (undefined for other kinds). */
function tcpHostOf (addr: string): string | undefined {
  const parts = multiaddr(addr).getComponents()
  const ip = parts[0]
  if (ip === undefined || (ip.name !== 'ip4' && ip.name !== 'ip6') || parts[1]?.name !== 'tcp') return undefined
  return ip.value
}
