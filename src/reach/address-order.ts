import type { Address } from '@libp2p/interface'
import { circuitRelayAddressesLast, loopbackAddressLast, reliableTransportsFirst } from '@libp2p/utils'
import type { PublicRanges } from './public-ranges.js'

/**
 * libp2p's order for dialling a peer's addresses (its `defaultAddressSorter`: loopback last,
 * public first, relay circuits after direct ones of the same kind, certified first, reliable
 * transports first), with "public" read by PublicRanges. On the internet a relay's circuit address
 * is public and so comes before a NATed peer's LAN address, which no one outside its LAN can
 * reach (each such dial waits libp2p's 6 s address timeout). In a range stated public, libp2p
 * counts the relay private too and dials the LAN address first; this keeps the internet's order there.
 */
export function addressOrder (ranges: PublicRanges): (a: Address, b: Address) => -1 | 0 | 1 {
  const publicFirst = (a: Address, b: Address): -1 | 0 | 1 => {
    const pa = ranges.isPublic(a.multiaddr)
    const pb = ranges.isPublic(b.multiaddr)
    return pa === pb ? 0 : pa ? -1 : 1
  }
  return (a, b) => loopbackAddressLast(a.multiaddr, b.multiaddr) ||
    publicFirst(a, b) ||
    circuitRelayAddressesLast(a.multiaddr, b.multiaddr) ||
    (a.isCertified === b.isCertified ? 0 : a.isCertified === true ? -1 : 1) ||
    reliableTransportsFirst(a.multiaddr, b.multiaddr)
}
