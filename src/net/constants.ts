/** Random walk of the DHT (paced-random-walk.ts). */
/** Pause after a walk query that met a peer the walk had not seen yet. */
export const WALK_PAUSE_MIN_MS = 250
/** Longest pause between walk queries (reached after queries that met nobody new, doubling). */
export const WALK_PAUSE_MAX_MS = 30_000
/** A random DHT key: the size of a SHA-256 digest, as libp2p's own walk uses. */
export const WALK_KEY_BYTES = 32
/** Peers a walk remembers as seen (it forgets them all past this, and meets them as new again). */
export const WALK_SEEN_MAX = 1024

/**
 * libp2p's connection monitor pings every connection and aborts the connection when a ping fails.
 * Its defaults (every 10 s, a timeout adapting from 5 s) and the ping service's one outbound
 * stream per connection, which the DHT's own pings share, aborted live connections in a flash
 * crowd: a ping queued behind a saturated link or a CPU-starved event loop for 5 s, or meeting
 * another ping on the same connection ("Too many outbound protocol streams"), tore down a
 * connection whose peers then dialled each other again (docs/benchmarks.md, round 6). A dead
 * peer is still found, within LIVENESS_PING_INTERVAL_MS + LIVENESS_PING_MIN_TIMEOUT_MS.
 */
export const LIVENESS_PING_INTERVAL_MS = 20_000
export const LIVENESS_PING_MIN_TIMEOUT_MS = 30_000
/** Ping streams per connection: the monitor's (up to two overlapping) and the DHT's fit in these. */
export const PING_MAX_OUTBOUND_STREAMS = 4
export const PING_MAX_INBOUND_STREAMS = 8

/**
 * A second connection with a peer (two simultaneous dials, duplicate-connections.ts) is closed
 * once no stream is open on it: looked at this often, and given up on (both are kept) after this long.
 */
export const DUPLICATE_CLOSE_POLL_MS = 1_000
export const DUPLICATE_CLOSE_WAIT_MS = 10 * 60_000

/**
 * Width of a DHT walk (a lookup, or the search for the closest peers that a provide runs first):
 * questions in flight per path, and disjoint paths. kad-dht 16 defaults to 10 and 10, up to 100
 * questions at once, and every peer named in every answer costs a peer-store write, a routing-table
 * update and a discovery event. In one process of 30 nodes (docs/benchmarks.md, round 7) 3 and 3
 * cut the CPU of a get plus the provide after it by a fifth and halved the median get.
 */
export const DHT_ALPHA = 3
export const DHT_DISJOINT_PATHS = 3
