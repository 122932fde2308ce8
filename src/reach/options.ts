/** Whether others can dial this node: learned, or stated with `--reachability`. */
export type Reachability = 'public' | 'private' | 'unknown'

/** How a node makes itself reachable (node option `reach`, CLI flags in README "Behind a router"). */
export interface ReachOptions {
  /**
   * Stated reachability, as go-libp2p's ForceReachability: `public` (a server with an address others
   * can dial, or a lab whose private range stands for the internet) serves as a relay and holds no
   * reservations; `private` holds relay reservations and relays for nobody. Default: learned from
   * the node's addresses (public ones listened on, announced, mapped by UPnP or confirmed by AutoNAT).
   */
  reachability?: 'public' | 'private'
  /** Serve as a circuit relay (bounded: constants.ts) unless stated private. Default true. */
  relayService?: boolean
  /** Map ports on a UPnP router. Default true; only when listening on a non-loopback address. */
  upnp?: boolean
  /**
   * Serve as a data relay: circuits without the signalling limits, so peers with no direct path
   * (symmetric NAT both sides) can still exchange pieces through this node. Bytes per second the
   * operator grants (see docs/security.md); off by default.
   */
  relayData?: number
  /**
   * Address ranges (CIDR) that count as public although libp2p counts them private (10/8,
   * 192.168/16…): a lab or campus network that stands for the internet (`--public-range`).
   * Hole punching aims only at public addresses, and reachability is read with the same rule.
   */
  publicRanges?: string[]
  /**
   * A node that fetches once and exits (`shoal get` without `--seed`, from a link naming its
   * peers' direct addresses): it still dials through relays and hole-punches, but holds no relay
   * reservation, relays for nobody and runs neither AutoNAT nor UPnP; nobody needs to reach it,
   * and those cost its start and its first connection (docs/benchmarks.md, round 7).
   */
  shortLived?: boolean
}

export const REACHABILITY_VALUES = ['public', 'private'] as const
