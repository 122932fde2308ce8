import { createServer } from 'node:net'
import type { Connection, IdentifyResult } from '@libp2p/interface'
import { CODE_P2P, type Multiaddr } from '@multiformats/multiaddr'
import type { ShoalLibp2p } from '../net/libp2p.js'
import type { PublicRanges } from './public-ranges.js'
import { withDialSignal } from './dial-signal.js'
import { OBSERVE_TIMEOUT_MS, REACH_REFRESH_MS } from './constants.js'

/** What this file needs of libp2p's transport manager (internal: not in libp2p's public types). */
interface TransportDialer { dial: (addr: Multiaddr, options: { signal: AbortSignal, localPort: number }) => Promise<Connection> }

/**
 * The fixed local port TCP hole punching dials from, and the public address a NAT router gives it.
 *
 * js-libp2p dials from ephemeral ports and identify ignores every observed TCP address
 * (js-libp2p#2620), so a NATed node has nothing a peer could punch towards. This gives it one:
 * the node opens one extra libp2p connection to a public peer from `port` (SO_REUSEADDR, as libuv
 * binds), and that peer's identify says which public ip:port it came from. A cone router maps
 * `port` to the same public port towards everyone (most keep the number), so the peer can aim a
 * simultaneous open at it; a symmetric router picks a new port per destination and the punch fails,
 * as it must (the download then goes through a data relay or ends UNREACHABLE). The connection is
 * kept open, which keeps the mapping alive; when it closes, the next connection to a public peer
 * observes again. Not used by a node with a public address of its own: its peers dial it directly.
 */
export class PunchPort {
  /** The local port punches dial from; undefined until started. */
  port?: number
  /** Our public `/ip4/<ip>/tcp/<port>` as a public peer saw a connection from `port`; undefined until seen. */
  address?: Multiaddr
  /** Connections made by a hole punch (hole-punch.ts): they pass the peer's router, its other ports stay closed. */
  readonly punched = new WeakSet<Connection>()
  private libp2p?: ShoalLibp2p
  private signal?: AbortSignal
  private observer?: Connection
  private observing = false
  private timer?: NodeJS.Timeout
  private readonly waiters = new Set<() => void>()
  private readonly onOpen = (evt: CustomEvent<Connection>): void => { this.maybeObserve(evt.detail) }

  constructor (readonly ranges: PublicRanges) {}

  async start (libp2p: ShoalLibp2p, signal: AbortSignal): Promise<void> {
    this.port = await freePort()
    this.libp2p = libp2p
    this.signal = signal
    libp2p.addEventListener('connection:open', this.onOpen)
    this.timer = setInterval(() => { for (const c of libp2p.getConnections()) this.maybeObserve(c) }, REACH_REFRESH_MS)
    this.timer.unref()
  }

  stop (): void {
    clearInterval(this.timer)
    this.libp2p?.removeEventListener('connection:open', this.onOpen)
    this.wake()
  }

  /** Our public address for punching, waiting up to `ms` for it to be seen. */
  async ready (ms: number): Promise<Multiaddr | undefined> {
    if (this.address !== undefined || this.port === undefined) return this.address
    await new Promise<void>(resolve => {
      const done = (): void => { clearTimeout(timer); this.waiters.delete(done); resolve() }
      const timer = setTimeout(done, ms)
      this.waiters.add(done)
    })
    return this.address
  }

  /** A plain TCP connection we dialled to a public peer (its remote address is a port it listens on). */
  private maybeObserve (connection: Connection): void {
    const libp2p = this.libp2p
    if (libp2p === undefined || this.port === undefined || this.observing || this.signal?.aborted === true) return
    // A punched connection's far end is the peer's own punch port, not a port it listens on.
    if (this.observer?.status === 'open' || this.punched.has(connection)) return
    const addr = connection.remoteAddr
    const parts = addr.getComponents()
    if (connection.direction !== 'outbound' || connection.limits !== undefined || connection.status !== 'open' ||
        parts.some(p => p.name === 'p2p-circuit') || !parts.some(p => p.name === 'tcp') || !this.ranges.isPublic(addr)) return
    if (libp2p.getMultiaddrs().some(a => !a.getComponents().some(p => p.name === 'p2p-circuit') && this.ranges.isPublic(a))) return
    this.observing = true
    void this.observe(libp2p, connection).finally(() => { this.observing = false })
  }

  private async observe (libp2p: ShoalLibp2p, through: Connection): Promise<void> {
    const port = this.port as number
    const signal = AbortSignal.any([this.signal ?? new AbortController().signal, AbortSignal.timeout(OBSERVE_TIMEOUT_MS)])
    const transports: TransportDialer | undefined = (libp2p as any).components?.transportManager
    if (transports === undefined) return
    const target = through.remoteAddr.getComponents().some(p => p.name === 'p2p') ? through.remoteAddr : through.remoteAddr.encapsulate(`/p2p/${through.remotePeer.toString()}`)
    // libp2p identifies every new connection (one identify stream per connection): wait for that
    // result rather than asking again. Listening before the dial, so it cannot pass unseen.
    const identified = new Map<string, IdentifyResult>()
    let wake = (): void => {}
    const onIdentify = (evt: CustomEvent<IdentifyResult>): void => { identified.set(evt.detail.connection.id, evt.detail); wake() }
    libp2p.addEventListener('peer:identify', onIdentify)
    try {
      const connection = await withDialSignal(signal, async dialSignal => await transports.dial(target, { signal: dialSignal, localPort: port }))
      while (!identified.has(connection.id) && !signal.aborted && connection.status === 'open') {
        await new Promise<void>(resolve => { wake = resolve; signal.addEventListener('abort', () => resolve(), { once: true }) })
      }
      const seen = identified.get(connection.id)?.observedAddr
      if (seen === undefined || seen.getComponents()[1]?.name !== 'tcp' || !this.ranges.isPublic(seen)) {
        await connection.close().catch(() => {})
        return
      }
      this.observer = connection
      this.address = seen.decapsulateCode(CODE_P2P)
      this.wake()
    } catch {
      // The peer refused a second connection, or our port is taken: the next public connection tries again.
    } finally {
      libp2p.removeEventListener('peer:identify', onIdentify)
    }
  }

  private wake (): void {
    for (const done of [...this.waiters]) done()
  }
}

/** A TCP port free on this host right now (bound and released). */
async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}
