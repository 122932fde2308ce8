/// <reference lib="dom" />
/**
 * The page's libp2p node: WebSockets out (a page can listen on nothing), Noise and yamux as Node
 * peers speak them, identify and ping. It dials only what a page may: `/tls/ws` anywhere, plain
 * `/ws` only from a page that is itself plain http (https pages may not open ws://).
 */
import { createLibp2p, type Libp2p } from 'libp2p'
import { webSockets } from '@libp2p/websockets'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import type { Multiaddr } from '@multiformats/multiaddr'
import { PAGE_MAX_CONNECTIONS } from './constants.js'

export type PageLibp2p = Libp2p<{ identify: ReturnType<ReturnType<typeof identify>>, ping: ReturnType<ReturnType<typeof ping>> }>

export interface PageNetworkOptions {
  /** Refuse these peers (banned by the page's scores). */
  isBanned: (peerId: string) => boolean
}

/** Whether this page may dial `addr`: WebSockets, secure unless the page itself is plain http. */
export function pageCanDial (addr: Multiaddr, pageProtocol: string): boolean {
  const names = addr.getComponents().map(c => c.name)
  if (names.includes('p2p-circuit')) return false
  const ws = names.indexOf('ws')
  if (ws === -1) return names.includes('wss')
  return names[ws - 1] === 'tls' || pageProtocol === 'http:'
}

export async function createPageNetwork (options: PageNetworkOptions): Promise<PageLibp2p> {
  const banned = (peerId: { toString: () => string }): boolean => options.isBanned(peerId.toString())
  return await createLibp2p({
    transports: [webSockets()],
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
    services: { identify: identify(), ping: ping() }
  })
}
