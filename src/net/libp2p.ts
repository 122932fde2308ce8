import { createLibp2p, type Libp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify, identifyPush } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { kadDHT, passthroughMapper, type KadDHT, type Selectors, type Validators } from '@libp2p/kad-dht'
import { mdns } from '@libp2p/mdns'
import { bootstrap } from '@libp2p/bootstrap'
import type { Address, ConnectionGater, PeerDiscovery, PrivateKey } from '@libp2p/interface'
import { preSharedKey } from '@libp2p/pnet'
import { multiaddr } from '@multiformats/multiaddr'
import type { Registry } from 'prom-client'
import { ErrorCode, ShoalError } from '../errors.js'
import { webSocketsListen, webSocketsTransport, type WebSocketsOptions } from './websockets.js'
import { pacedRandomWalk } from './paced-random-walk.js'
import { keepOneConnectionPerPeer } from './duplicate-connections.js'
import { nodeNoiseCrypto } from './noise-crypto.js'
import { DHT_ALPHA, DHT_DISJOINT_PATHS, LIVENESS_PING_INTERVAL_MS, LIVENESS_PING_MIN_TIMEOUT_MS, PING_MAX_INBOUND_STREAMS, PING_MAX_OUTBOUND_STREAMS } from './constants.js'

/** Shoal's own DHT, so a node never joins (or pollutes) another network's Kademlia DHT. */
export const DHT_PROTOCOL = '/shoal/kad/1.0.0'
export const DEFAULT_LISTEN = ['/ip4/0.0.0.0/tcp/0']

/**
 * Connection limits sized for dozens of peers behind one IP (tests, a LAN behind NAT): libp2p's
 * defaults (5 inbound connections per second per IP, 10 pending) reset most simultaneous dials.
 */
export const CONNECTION_LIMITS = {
  maxConnections: 400,
  inboundConnectionThreshold: 500,
  maxIncomingPendingConnections: 200,
  maxParallelDials: 100,
  dialTimeout: 15_000
}

export interface NetworkOptions {
  privateKey: PrivateKey
  listen?: string[]
  bootstrap?: string[]
  mdns?: boolean
  /** Who may connect (banned peers, connections per peer): see connection-gater.ts. */
  gater?: ConnectionGater
  /** A private network's pre-shared key (see network-key.ts): only nodes holding it can connect. */
  networkKey?: Uint8Array
  /** What the node's capabilities add (node/service.ts): transports, libp2p services, addresses. */
  extensions?: NetworkExtension[]
  /** A prom-client registry for libp2p's own metrics (and the process defaults), e.g. the daemon's /metrics. */
  metricsRegistry?: Registry
  /** A WebSockets listener for web pages (websockets.ts) beside TCP; false: none. Default on. */
  webSockets?: WebSocketsOptions | false
  /** Addresses to announce besides those listened on (a reverse proxy's `/dns4/…/tcp/443/tls/ws`). */
  announce?: string[]
  /** Kademlia in client mode: queries and provides, answers nothing (a short-lived `get`). Default false. */
  dhtClient?: boolean
}

/**
 * What a capability adds to the libp2p node before it starts (node/service.ts): extra transports
 * (e.g. circuit relay), extra libp2p services by name, and addresses to listen on or announce.
 */
export interface NetworkExtension {
  transports?: Array<(components: any) => any>
  services?: Record<string, (components: any) => unknown>
  listen?: string[]
  announce?: string[]
  appendAnnounce?: string[]
  /** DHT record kinds it stores and checks: validators and selectors by key namespace (`/<ns>/…`). */
  dhtValidators?: Validators
  dhtSelectors?: Selectors
  /** Imports the modules its factories need, awaited before any of them is called (so they load only when used). */
  load?: () => Promise<void>
  /** The order in which a peer's addresses are dialled (libp2p's `addressSorter`); the first extension that has one decides. */
  addressSorter?: (a: Address, b: Address) => -1 | 0 | 1
}

export type ShoalServices = {
  identify: ReturnType<ReturnType<typeof identify>>
  identifyPush: ReturnType<ReturnType<typeof identifyPush>>
  ping: ReturnType<ReturnType<typeof ping>>
  dht: KadDHT
}

export type ShoalLibp2p = Libp2p<ShoalServices>

/** Builds (and starts) the libp2p node: TCP and WebSockets, Noise, Yamux, identify, ping, Shoal's DHT, mDNS, bootstrap. */
export async function createNetwork (options: NetworkOptions): Promise<ShoalLibp2p> {
  const extensions = options.extensions ?? []
  const ws = options.webSockets === false ? undefined : options.webSockets ?? {}
  const tcpListen = options.listen ?? DEFAULT_LISTEN
  const listen = [...tcpListen, ...(ws !== undefined ? webSocketsListen(tcpListen, ws) : []), ...extensions.flatMap(e => e.listen ?? [])]
  const announce = extensions.flatMap(e => e.announce ?? [])
  const appendAnnounce = [...(options.announce ?? []), ...extensions.flatMap(e => e.appendAnnounce ?? [])]
  const addressSorter = extensions.find(e => e.addressSorter !== undefined)?.addressSorter
  for (const addr of [...listen, ...appendAnnounce, ...(options.bootstrap ?? [])]) {
    checkMultiaddr(addr)
  }
  for (const addr of options.bootstrap ?? []) {
    if (!addr.includes('/p2p/')) {
      throw new ShoalError(ErrorCode.BadArgument, `bootstrap address needs the peer ID (…/p2p/<peerId>): ${addr}`)
    }
  }
  // Modules only some nodes need are loaded only then (prom-client, ws, UPnP's): a short-lived
  // `get` starts faster (docs/benchmarks.md, round 6).
  const wsTransport = ws !== undefined ? await webSocketsTransport(ws) : undefined
  const metrics = options.metricsRegistry !== undefined ? (await import('@libp2p/prometheus-metrics')).prometheusMetrics({ registry: options.metricsRegistry }) : undefined
  await Promise.all(extensions.map(async e => await e.load?.()))
  const peerDiscovery: Array<(components: any) => PeerDiscovery> = []
  if (options.mdns !== false) {
    peerDiscovery.push(mdns({ serviceTag: '_shoal._udp.local' }))
  }
  if ((options.bootstrap ?? []).length > 0) {
    peerDiscovery.push(bootstrap({ list: options.bootstrap ?? [], timeout: 0 }))
  }
  let node: ShoalLibp2p
  try {
    node = await createLibp2p({
      privateKey: options.privateKey,
      addresses: {
        listen,
        ...(announce.length > 0 ? { announce } : {}),
        ...(appendAnnounce.length > 0 ? { appendAnnounce } : {})
      },
      transports: [tcp(), ...(wsTransport !== undefined ? [wsTransport] : []), ...extensions.flatMap(e => e.transports ?? [])],
      // Noise only: its handshake is about half the CPU and latency of libp2p TLS (which makes and
      // parses an X.509 certificate per connection, and whose X.509 stack costs ~20 MiB of
      // memory), and bulk piece data does not ride libp2p connections but direct ones
      // (net/direct/), so TLS's faster stream (2.4x Noise's) no longer pays (docs/benchmarks.md).
      connectionEncrypters: [noise({ crypto: nodeNoiseCrypto })],
      streamMuxers: [yamux()],
      peerDiscovery,
      connectionManager: { ...CONNECTION_LIMITS, ...(addressSorter !== undefined ? { addressSorter } : {}) },
      // Liveness pings that a busy link or a busy machine does not fail (constants.ts).
      connectionMonitor: { pingInterval: LIVENESS_PING_INTERVAL_MS, pingTimeout: { minTimeout: LIVENESS_PING_MIN_TIMEOUT_MS } },
      ...(metrics !== undefined ? { metrics } : {}),
      ...(options.gater !== undefined ? { connectionGater: options.gater } : {}),
      ...(options.networkKey !== undefined ? { connectionProtector: preSharedKey({ psk: options.networkKey }) } : {}),
      services: {
        // Replaces libp2p's random walk, which spins in a small swarm (paced-random-walk.ts).
        randomWalkPacing: pacedRandomWalk(),
        identify: identify(),
        // Peers hear when our addresses change (a relay reservation), and we hear of theirs: a
        // web page's `/p2p-circuit/webrtc` address appears only once it holds a reservation, and
        // peer exchange hands it out from the peer store.
        identifyPush: identifyPush(),
        ping: ping({ maxOutboundStreams: PING_MAX_OUTBOUND_STREAMS, maxInboundStreams: PING_MAX_INBOUND_STREAMS }),
        dht: kadDHT({
          protocol: DHT_PROTOCOL,
          clientMode: options.dhtClient === true,
          alpha: DHT_ALPHA,
          disjointPaths: DHT_DISJOINT_PATHS,
          // A LAN or loopback swarm has only private addresses: keep them.
          peerInfoMapper: passthroughMapper,
          validators: Object.assign({}, ...extensions.map(e => e.dhtValidators ?? {})),
          selectors: Object.assign({}, ...extensions.map(e => e.dhtSelectors ?? {}))
        }),
        ...Object.assign({}, ...extensions.map(e => e.services ?? {}))
      }
    }) as ShoalLibp2p
  } catch (err: any) {
    if (err?.code === 'EADDRINUSE' || /EADDRINUSE/.test(String(err?.message))) {
      throw new ShoalError(ErrorCode.BadArgument, `cannot listen on ${listen.join(', ')}: address already in use`)
    }
    throw new ShoalError(ErrorCode.BadArgument, `cannot start the network: ${err?.message ?? err}`)
  }
  keepOneConnectionPerPeer(node)
  return node
}

function checkMultiaddr (addr: string): void {
  try {
    multiaddr(addr)
  } catch {
    throw new ShoalError(ErrorCode.BadArgument, `not a multiaddr: ${addr} (example: /ip4/127.0.0.1/tcp/4001)`)
  }
}

/** Peers in the node's DHT routing table (kad-dht keeps the table off its public types). */
export function dhtTableSize (libp2p: ShoalLibp2p): number {
  return (libp2p.services.dht as unknown as { routingTable?: { size: number } }).routingTable?.size ?? 0
}
