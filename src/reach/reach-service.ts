import type { Connection, PeerId } from '@libp2p/interface'
import type { Capability, NodeComponents, NodeService } from '../node/service.js'
import type { ShoalLibp2p } from '../net/libp2p.js'
import { DIRECT_PATH_POLL_MS, RESERVATION_WAIT_MS } from './constants.js'
import { connectionForData } from './direct-path.js'
import { ConnectionReversal } from './connection-reversal.js'
import { RelayKeeper } from './relay-keeper.js'
import { reachNetwork } from './network.js'
import type { ReachOptions } from './options.js'
import { PublicRanges } from './public-ranges.js'
import { PunchPort } from './punch-port.js'
import { reachStatus, type ReachStatus } from './reach-status.js'
import { ExtraPorts } from './upnp.js'

export const REACH_SERVICE = 'reach'

/** The running reachability capability: where the node stands, and which connection carries data. */
export class ReachService implements NodeService {
  readonly name = REACH_SERVICE
  private readonly reversal: ConnectionReversal
  private readonly keeper?: RelayKeeper

  constructor (
    private readonly libp2p: ShoalLibp2p,
    private readonly options: ReachOptions,
    private readonly signal: AbortSignal,
    private readonly punch: PunchPort,
    private readonly ranges: PublicRanges
  ) {
    this.reversal = new ConnectionReversal(libp2p, signal)
    if (options.reachability !== 'public' && options.shortLived !== true) this.keeper = new RelayKeeper(libp2p)
  }

  async start (): Promise<void> {
    this.reversal.start()
    this.keeper?.start()
    if (this.options.reachability !== 'public') await this.punch.start(this.libp2p, this.signal)
  }

  async stop (): Promise<void> {
    this.punch.stop()
    this.keeper?.stop()
    this.reversal.stop()
  }

  /** Reachability and relays now (read from libp2p's address manager on each call). */
  status (): ReachStatus {
    return reachStatus(this.libp2p.getMultiaddrs(), this.options.reachability, this.ranges)
  }

  /** The local port hole punches dial from, and its public mapping once a public peer saw it (punch-port.ts). */
  punchMapping (): { port?: number, address?: string } {
    return { port: this.punch.port, address: this.punch.address?.toString() }
  }

  /**
   * Resolves once the node is public or holds a relay reservation (its links then carry an address
   * others can dial), or after RESERVATION_WAIT_MS.
   */
  async reachable (signal?: AbortSignal): Promise<ReachStatus> {
    const deadline = Date.now() + RESERVATION_WAIT_MS
    for (;;) {
      const status = this.status()
      if (status.reachability === 'public' || status.relays.length > 0 || Date.now() > deadline || signal?.aborted === true) return status
      await new Promise(resolve => setTimeout(resolve, DIRECT_PATH_POLL_MS))
    }
  }

  async connectionFor (peer: PeerId, signal: AbortSignal): Promise<Connection> {
    return await connectionForData(this.libp2p, peer, signal)
  }

  /**
   * A punched connection, or one the peer dialled back, passed the peer's router; a direct TLS
   * dial to its direct port would wait DIRECT_CONNECT_TIMEOUT_MS for nothing (measured: ~4 s with
   * no piece requested, the session waiting on it), so pieces stay on that connection.
   */
  directDialable (connection: Connection): boolean {
    return !this.punch.punched.has(connection) && !this.reversal.dialledBack.has(connection)
  }
}

/** Reachability as a node capability (node/service.ts): relays, DCUtR, AutoNAT, UPnP. */
export function reachCapability (options: ReachOptions, listen: string[]): Capability {
  const ranges = new PublicRanges(options.publicRanges)
  const punch = new PunchPort(ranges)
  const extraPorts = new ExtraPorts()
  return {
    name: REACH_SERVICE,
    network: reachNetwork(options, listen, punch, extraPorts),
    create: (components: NodeComponents) => {
      // A UPnP router maps the direct port with libp2p's (upnp.ts); the direct server listens by now.
      const direct = components.directPort()
      if (direct !== undefined) extraPorts.ports.add(direct)
      return new ReachService(components.libp2p, options, components.signal, punch, ranges)
    }
  }
}

/** A node's reachability as reported (`shoal id`, `shoal status`, the API): unknown when it runs no reach service. */
export function reachOf (node: { service: <T extends NodeService>(name: string) => T | undefined }): ReachStatus {
  return node.service<ReachService>(REACH_SERVICE)?.status() ?? { reachability: 'unknown', relays: [] }
}
