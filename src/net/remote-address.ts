import type { Connection } from '@libp2p/interface'

/** The IP address a libp2p connection comes from (undefined for addresses without one, e.g. relayed). */
export function remoteHost (connection: Connection): string | undefined {
  const first = connection.remoteAddr.getComponents()[0]
  return first !== undefined && (first.name === 'ip4' || first.name === 'ip6') ? first.value : undefined
}
