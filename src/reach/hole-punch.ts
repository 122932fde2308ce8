import { AsyncLocalStorage } from 'node:async_hooks'
import { dcutr } from '@libp2p/dcutr'
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { withDialSignal } from './dial-signal.js'
import type { PublicRanges } from './public-ranges.js'
import type { PunchPort } from './punch-port.js'
import { DCUTR_PUNCH_PRIORITY, DCUTR_RETRIES, DCUTR_TIMEOUT_MS, PUNCH_ADDRESS_WAIT_MS } from './constants.js'

/**
 * The parts of @libp2p/dcutr 3.0's service this file replaces (instance methods, not its public
 * types). `holePunching` checks they exist, so a release that renames them fails loudly
 * (test/reach/hole-punch.test.ts) instead of punching nothing.
 */
interface DcutrInternals {
  handleIncomingUpgrade: (stream: Stream, connection: Connection) => Promise<void>
  upgradeInbound: (connection: Connection) => Promise<void>
  getDialableMultiaddrs: (addrs: Array<Uint8Array | undefined | null>) => Multiaddr[]
}

/**
 * DCUtR (libp2p's hole punching, its protocol and timing unchanged) with the three fixes TCP hole
 * punching through two NAT routers needs in js-libp2p 3.3, each measured in netlab
 * (docs/architecture.md, "Reachability"); stock DCUtR punched 0 of 20 there:
 *
 * 1. Addresses: DCUtR sends the addresses a peer may punch towards. We add our public mapping of
 *    the fixed punch port (punch-port.ts; identify would never report it), and take the peer's
 *    public addresses by PublicRanges, so a range stated with `--public-range` counts too.
 * 2. The punch dial: from the punch port (a simultaneous open needs both SYNs to leave from the
 *    ports the other side aims at), straight on the TCP transport rather than through libp2p's
 *    dial queue, which drops DCUtR's `initiator: false` (js-libp2p's dial-queue.ts keeps only
 *    peer, priority, addresses, signal and progress), so both ends ran Noise as initiator.
 * 3. The muxer's role: yamux takes client or server from the socket's direction, and both sockets
 *    of a simultaneous open are outbound; the side that is not the initiator marks its socket
 *    inbound before the upgrade, so yamux agrees with Noise and multistream-select.
 *
 * A node punches only once it knows its public mapping (waiting PUNCH_ADDRESS_WAIT_MS for it):
 * a node with no mapping (public, or no public peer seen yet) leaves the upgrade to DCUtR's
 * unilateral dial and to connection reversal.
 */
export function holePunching (punch: PunchPort): (components: any) => unknown {
  const create = dcutr({ timeout: DCUTR_TIMEOUT_MS, retries: DCUTR_RETRIES })
  return (components: any) => {
    const punchingWith = new AsyncLocalStorage<PeerId>()
    const connectionManager = overlay(components.connectionManager, {
      openConnection: async (addrs: Multiaddr[], options: any) => {
        const peer = punchingWith.getStore()
        if (options?.priority !== DCUTR_PUNCH_PRIORITY || peer === undefined || punch.port === undefined) {
          return await components.connectionManager.openConnection(addrs, options)
        }
        const connection = await punchDial(components, peer, addrs, punch.port, options)
        punch.punched.add(connection)
        return connection
      }
    })
    const addressManager = overlay(components.addressManager, {
      getAddresses: () => {
        const own: Multiaddr[] = components.addressManager.getAddresses()
        return punch.address !== undefined ? [...own, punch.address.encapsulate(`/p2p/${components.peerId.toString()}`)] : own
      }
    })
    const service = create(overlay(components, { connectionManager, addressManager })) as DcutrInternals
    for (const name of ['handleIncomingUpgrade', 'upgradeInbound', 'getDialableMultiaddrs'] as const) {
      if (typeof service[name] !== 'function') throw new Error(`@libp2p/dcutr has no ${name} any more: reach/hole-punch.ts needs updating`)
    }
    const answer = service.handleIncomingUpgrade
    const start = service.upgradeInbound.bind(service)
    service.getDialableMultiaddrs = addrs => dialable(addrs, punch.ranges, components.transportManager)
    // A: the peer that dialled through the relay answers B's Connect, then dials on Sync.
    service.handleIncomingUpgrade = async (stream, connection) => {
      if (await punch.ready(PUNCH_ADDRESS_WAIT_MS) === undefined || hasDirect(components, connection.remotePeer)) {
        stream.abort(new Error('no public mapping to punch from, or connected directly already'))
        return
      }
      await punchingWith.run(connection.remotePeer, async () => { await answer(stream, connection) })
    }
    // B: the peer reached through the relay starts the upgrade.
    service.upgradeInbound = async connection => {
      if (await punch.ready(PUNCH_ADDRESS_WAIT_MS) === undefined || hasDirect(components, connection.remotePeer)) return
      await punchingWith.run(connection.remotePeer, async () => { await start(connection) })
    }
    return service
  }
}

/** Whether we hold a direct (not relayed, open) connection to `peer`: one punch per peer is enough. */
function hasDirect (components: any, peer: PeerId): boolean {
  return (components.connectionManager.getConnections(peer) as Connection[]).some(c => c.limits === undefined && c.status === 'open' &&
    !c.remoteAddr.getComponents().some(p => p.name === 'p2p-circuit'))
}

/** One simultaneous open to `peer`, from the punch port, on the first address that connects. */
async function punchDial (components: any, peer: PeerId, addrs: Multiaddr[], localPort: number, options: { signal: AbortSignal, initiator?: boolean }): Promise<Connection> {
  const upgrader = roleKeepingUpgrader(components.upgrader)
  const errors: unknown[] = []
  for (const addr of addrs) {
    const target = addr.getComponents().some(c => c.name === 'p2p') ? addr : addr.encapsulate(`/p2p/${peer.toString()}`)
    const transport = components.transportManager.dialTransportForMultiaddr(target)
    if (transport == null) continue
    try {
      return await withDialSignal(options.signal, async signal => await transport.dial(target, { signal, localPort, initiator: options.initiator, upgrader }))
    } catch (err) {
      errors.push(err)
      if (options.signal.aborted) break
    }
  }
  throw new AggregateError(errors, `hole punch to ${peer.toString()} failed: ${errors.map(e => e instanceof Error ? e.message : String(e)).join('; ')}`)
}

/** libp2p's upgrader, except that a dial made as responder (`initiator: false`) is marked inbound before yamux sees it. */
function roleKeepingUpgrader (upgrader: any): unknown {
  return overlay(upgrader, {
    upgradeOutbound: async (maConn: { direction: string }, opts: { initiator?: boolean }) => {
      if (opts.initiator === false) maConn.direction = 'inbound'
      return await upgrader.upgradeOutbound(maConn, opts)
    }
  })
}

/** The peer's addresses worth punching towards: TCP (what we dial from the punch port), public by `ranges`, not relayed. */
function dialable (addrs: Array<Uint8Array | undefined | null>, ranges: PublicRanges, transports: { dialTransportForMultiaddr: (ma: Multiaddr) => unknown }): Multiaddr[] {
  const out: Multiaddr[] = []
  for (const bytes of addrs) {
    if (bytes == null || bytes.length === 0) continue
    try {
      const addr = multiaddr(bytes)
      const parts = addr.getComponents()
      if (parts.some(p => p.name === 'p2p-circuit') || parts[1]?.name !== 'tcp' || !ranges.isPublic(addr)) continue
      if (transports.dialTransportForMultiaddr(addr) != null) out.push(addr)
    } catch {}
  }
  return out
}

/** `target` with some of its properties replaced; the others read from it (methods bound to it). */
function overlay<T extends object> (target: T, overrides: Record<string, unknown>): T {
  return new Proxy(target, {
    get (t, key) {
      if (typeof key === 'string' && key in overrides) return overrides[key]
      const value = Reflect.get(t, key)
      return typeof value === 'function' ? value.bind(t) : value
    }
  })
}
