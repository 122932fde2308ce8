import { isPrivate } from '@libp2p/utils'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Reachability } from './options.js'

/** Where a node stands, as `shoal id`, `shoal status`, the API and the dashboard show it. */
export interface ReachStatus {
  reachability: Reachability
  /** Peer IDs of the relays this node holds a reservation on. */
  relays: string[]
}

/**
 * Reachability from the addresses libp2p reports (listened on, announced, mapped by UPnP,
 * confirmed by AutoNAT): a public IP address that is not a relay circuit makes the node public;
 * none, but relay reservations, private; neither, unknown (yet). A stated reachability wins.
 */
export function reachStatus (addrs: Multiaddr[], stated?: 'public' | 'private'): ReachStatus {
  const relays = new Set<string>()
  let publicAddr = false
  for (const addr of addrs) {
    const parts = addr.getComponents()
    const circuit = parts.findIndex(p => p.name === 'p2p-circuit')
    if (circuit > 0) {
      const relay = parts[circuit - 1]
      if (relay?.name === 'p2p' && relay.value !== undefined) relays.add(relay.value)
      continue
    }
    if (parts.some(p => p.name === 'ip4' || p.name === 'ip6') && isPrivate(addr) === false) publicAddr = true
  }
  const reachability: Reachability = stated ?? (publicAddr ? 'public' : relays.size > 0 ? 'private' : 'unknown')
  return { reachability, relays: [...relays] }
}
