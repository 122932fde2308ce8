/** Reachability: relays, hole punching, UPnP (see docs/architecture.md, "Reachability"). */

/** Relay reservations a node that is not known to be public keeps, each on a different relay. */
export const RELAY_RESERVATIONS = 2

/** Relay service (circuit relay v2 server) of a public node: most reservations it holds at once. */
export const RELAY_MAX_RESERVATIONS = 64
/** How long a reservation lasts before the client must renew it. */
export const RELAY_RESERVATION_TTL_MS = 60 * 60_000
/** Most relayed circuits being set up at once (HOP streams in; STOP streams out). */
export const RELAY_MAX_HOP_STREAMS = 64
/** A circuit request must complete within this long. */
export const RELAY_HOP_TIMEOUT_MS = 15_000
/**
 * Limits of one circuit on a signalling relay (the default): enough for identify, DCUtR and the
 * swarm protocol's first messages, never for piece data, which waits for a direct path.
 */
export const RELAY_CIRCUIT_DURATION_MS = 2 * 60_000
export const RELAY_CIRCUIT_BYTES = 131_072n

/**
 * How long a download waits, once connected to a peer through a signalling relay, for a direct
 * connection (DCUtR's unilateral dial, then its hole punch) before it counts the peer unreachable.
 * DCUtR's own dial timeout is DCUTR_TIMEOUT_MS, tried DCUTR_RETRIES times.
 */
export const DIRECT_PATH_WAIT_MS = 20_000
export const DCUTR_TIMEOUT_MS = 5_000
export const DCUTR_RETRIES = 3
/** How often the wait above looks for a direct connection. */
export const DIRECT_PATH_POLL_MS = 100

/** How often reachability and relays are looked at again (they change as reservations come and go). */
export const REACH_REFRESH_MS = 3_000

/** Connection reversal (connection-reversal.ts): one dial back per peer, this long at most... */
export const REVERSAL_DIAL_TIMEOUT_MS = 5_000
/** ...and at most this many at once. */
export const MAX_REVERSALS = 32

/** `shoal share` with bootstrap peers waits this long at most for a relay reservation before it prints the link. */
export const RESERVATION_WAIT_MS = 15_000

/** The circuit relay v2 HOP protocol: a peer that speaks it can be a relay. */
export const RELAY_HOP_PROTOCOL = '/libp2p/circuit/relay/0.2.0/hop'
/** The tag @libp2p/bootstrap gives its peers in the peer store. */
export const BOOTSTRAP_TAG = 'bootstrap'
/** A bootstrap peer dialled again while reservations are short gets this long. */
export const RELAY_REDIAL_TIMEOUT_MS = 15_000
