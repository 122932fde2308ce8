/**
 * Failure domains: peers in one /24 or /48 likely share a router, a building or an owner, so
 * storage copies and compute replicas are spread across domains (unless told otherwise).
 */
import { peerIdFromString } from '@libp2p/peer-id'
import type { Libp2p } from '@libp2p/interface'

/** The failure domain of a peer: the /24 or /48 of the address of our connection to it. */
export function failureDomainOf (libp2p: Pick<Libp2p, 'getConnections'>, peerId: string): string {
  const connection = libp2p.getConnections(peerIdFromString(peerId))[0]
  if (connection === undefined) return `unknown:${peerId}`
  return domainOfAddr(connection.remoteAddr.toString()) ?? `unknown:${peerId}`
}

/** The /24 (IPv4) or /48 (IPv6) of a multiaddr; undefined for a name or a circuit-only address. */
export function domainOfAddr (addr: string): string | undefined {
  const v4 = /^\/ip4\/(\d+)\.(\d+)\.(\d+)\.\d+/.exec(addr)
  if (v4 !== null) return `${v4[1]}.${v4[2]}.${v4[3]}.0/24`
  const v6 = /^\/ip6\/([0-9a-fA-F:]+)/.exec(addr)
  if (v6 !== null) return `${expandV6(v6[1]!).slice(0, 3).join(':')}::/48`
  return undefined
}

function expandV6 (text: string): string[] {
  const [head, tail] = text.split('::') as [string, string | undefined]
  const left = head === '' ? [] : head.split(':')
  const right = tail === undefined || tail === '' ? [] : tail.split(':')
  const fill = tail === undefined ? [] : new Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0')
  return [...left, ...fill, ...right].map(part => part.toLowerCase().replace(/^0+(?=.)/, ''))
}
