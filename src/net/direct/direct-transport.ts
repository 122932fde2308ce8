import type { Connection, PeerId, PrivateKey, Stream } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import type { Pipe } from '../pipe.js'
import { DirectDialer } from './direct-dialer.js'
import { DirectServer } from './direct-server.js'
import { answerPortQuery } from './port-query.js'
import { TlsIdentity } from './tls-identity.js'
import { DIRECT_PROTOCOL } from './constants.js'

export interface DirectTransportOptions {
  privateKey: PrivateKey
  /** The node's TCP listen multiaddrs: the direct server listens on the same hosts. */
  listen: string[]
  /** 0: any free port. */
  port: number
  /** Unread bytes a requester's direct connection may buffer. */
  readBufferBytes: number
  isBanned: (peerId: string) => boolean
  /** A peer connected directly: serve the swarm protocol to it. */
  onPipe: (pipe: Pipe, peerId: string) => void
  /** libp2p's `handle` / `unhandle`, for the port query protocol. */
  handle: (protocol: string, handler: (stream: Stream) => void) => Promise<void>
  unhandle: (protocol: string) => Promise<void>
}

/**
 * Direct connections for the swarm protocol's bulk data: a server for peers that connect to us,
 * a dialer for peers we download from, and the port query between them. Not used in a private
 * network (a pre-shared key guards libp2p connections only) or when turned off.
 */
export class DirectTransport {
  private constructor (
    private readonly server: DirectServer,
    private readonly dialer: DirectDialer,
    private readonly unhandle: () => Promise<void>
  ) {}

  /** Starts the server; undefined if the node listens on no TCP host. */
  static async start (opts: DirectTransportOptions): Promise<DirectTransport | undefined> {
    const hosts = [...new Set(opts.listen.map(tcpHostOf).filter((h): h is string => h !== undefined))]
    if (hosts.length === 0) return undefined
    const identity = await TlsIdentity.create(opts.privateKey)
    const server = new DirectServer({ identity, hosts, port: opts.port, isBanned: opts.isBanned, onPipe: opts.onPipe })
    await server.start()
    await opts.handle(DIRECT_PROTOCOL, stream => { void answerPortQuery(stream, server.port) })
    return new DirectTransport(server, new DirectDialer(identity, opts.readBufferBytes), async () => { await opts.unhandle(DIRECT_PROTOCOL) })
  }

  get port (): number {
    return this.server.port
  }

  /** A direct connection to `peer` (reached on `connection`), or undefined: use a libp2p stream. */
  async open (peer: PeerId, connection: Connection, signal: AbortSignal): Promise<Pipe | undefined> {
    return await this.dialer.open(peer, connection, signal)
  }

  /** Drops every direct connection with `peerId`, both ways (it was banned). */
  hangUp (peerId: string): void {
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
