/// <reference lib="dom" />
/**
 * The page's libp2p node: WebSockets out to Node peers, Noise and yamux as they speak them,
 * identify and ping; and WebRTC with other pages, signalled through a Node peer's circuit relay
 * (the page holds a reservation there, so its `/p2p-circuit/webrtc` address reaches it). It dials
 * only what a page may: `/tls/ws` anywhere, plain `/ws` only from a page that is itself plain
 * http (https pages may not open ws://), and circuits through such relays.
 */
import { createLibp2p, type Libp2p } from 'libp2p'
import { webSockets } from '@libp2p/websockets'
import { webRTC } from '@libp2p/webrtc'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify, identifyPush } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import type { Multiaddr } from '@multiformats/multiaddr'
import { PAGE_MAX_CONNECTIONS } from './constants.js'

export type PageLibp2p = Libp2p<{ identify: ReturnType<ReturnType<typeof identify>>, identifyPush: ReturnType<ReturnType<typeof identifyPush>>, ping: ReturnType<ReturnType<typeof ping>> }>

export interface PageNetworkOptions {
  /** Refuse these peers (banned by the page's scores). */
  isBanned: (peerId: string) => boolean
  /** ICE servers for WebRTC; none by default (host candidates: pages on one network). */
  iceServers?: RTCIceServer[]
}

/**
 * Whether this page may dial `addr`: WebSockets, secure unless the page itself is plain http; or
 * a circuit (a page's `/p2p-circuit/webrtc` address) through a relay it may dial so.
 */
export function pageCanDial (addr: Multiaddr, pageProtocol: string): boolean {
  const names = addr.getComponents().map(c => c.name)
  const circuit = names.indexOf('p2p-circuit')
  const relay = circuit === -1 ? names : names.slice(0, circuit)
  const ws = relay.indexOf('ws')
  if (ws === -1) return relay.includes('wss')
  return relay[ws - 1] === 'tls' || pageProtocol === 'http:'
}

export async function createPageNetwork (options: PageNetworkOptions): Promise<PageLibp2p> {
  const banned = (peerId: { toString: () => string }): boolean => options.isBanned(peerId.toString())
  return await createLibp2p({
    addresses: { listen: ['/p2p-circuit', '/webrtc'] },
    transports: [
      webSockets(),
      webRTC({ rtcConfiguration: { iceServers: options.iceServers ?? [] } }),
      circuitRelayTransport()
    ],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: { maxConnections: PAGE_MAX_CONNECTIONS },
    // libp2p's browser default refuses private addresses and plain ws: a LAN or loopback seeder
    // is exactly what a page opened from that seeder must reach.
    connectionGater: {
      denyDialMultiaddr: addr => !pageCanDial(addr, location.protocol),
      denyDialPeer: banned,
      denyOutboundEncryptedConnection: banned
    },
    // identify/push tells the peers it is connected to its `/p2p-circuit/webrtc` address once it holds a reservation.
    services: { identify: identify(), identifyPush: identifyPush(), ping: ping() }
  })
}
