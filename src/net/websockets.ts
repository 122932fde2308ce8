/**
 * The WebSockets listener: how a web page (src/browser/) reaches a node, since a page can dial
 * neither TCP nor the direct connections. Noise and yamux run over it as over TCP, and a private
 * network's pre-shared key applies to it as to every libp2p transport here.
 */
import { readFileSync } from 'node:fs'
import type { Transport } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { ErrorCode, ShoalError } from '../errors.js'

export interface WebSocketsOptions {
  /** TCP port of the listener on each host the node listens on. Default 0: any free port. */
  port?: number
  /** PEM files of a certificate and its key: the listener speaks TLS (`/tls/ws`, for https pages). */
  certFile?: string
  keyFile?: string
}

/**
 * The WebSockets transport (dials `/ws` and `/tls/ws` too), with the certificate when one is
 * given. Unreadable files are the user's error. Its modules (`ws` and its own) are loaded only
 * here: a node without WebSockets never pays for them at start.
 */
export async function webSocketsTransport (options: WebSocketsOptions): Promise<(components: any) => Transport> {
  const { certFile, keyFile } = options
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new ShoalError(ErrorCode.BadArgument, 'a WebSockets certificate needs its key: give both --ws-cert and --ws-key')
  }
  const { webSockets } = await import('@libp2p/websockets')
  if (certFile === undefined || keyFile === undefined) return webSockets()
  return webSockets({ https: { cert: readPem(certFile, '--ws-cert'), key: readPem(keyFile, '--ws-key') } })
}

/**
 * One WebSockets listen address per IP host the node listens on over TCP (`/ip4/0.0.0.0/tcp/0` →
 * `/ip4/0.0.0.0/tcp/<port>/ws`), so a node kept to loopback keeps its WebSockets there too.
 */
export function webSocketsListen (listen: string[], options: WebSocketsOptions): string[] {
  const suffix = options.certFile !== undefined ? 'tls/ws' : 'ws'
  const hosts = new Set<string>()
  for (const addr of listen) {
    let components
    try {
      components = multiaddr(addr).getComponents()
    } catch {
      continue // not a multiaddr: createNetwork says so to the user
    }
    const ip = components[0]
    if ((ip?.name !== 'ip4' && ip?.name !== 'ip6') || components[1]?.name !== 'tcp' || components.length !== 2) continue
    hosts.add(`/${ip.name}/${ip.value ?? ''}`)
  }
  return [...hosts].map(host => `${host}/tcp/${options.port ?? 0}/${suffix}`)
}

/** Whether `addr`'s first hop is WebSockets (directly, or to the relay of a circuit). */
export function overWebSockets (addr: string): boolean {
  return /\/(tls\/)?ws(\/|$)/.test(addr.split('/p2p-circuit')[0] ?? '')
}

/** Whether a multiaddr is one a web page can dial: WebSockets, plain or over TLS. */
export function isWebSocketsAddr (addr: string): boolean {
  return /\/(tls\/)?ws(\/|$)/.test(addr) && !addr.includes('/p2p-circuit')
}

function readPem (path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (err: any) {
    throw new ShoalError(ErrorCode.BadArgument, `${flag}: cannot read ${path} (${err?.code ?? err?.message})`)
  }
}
