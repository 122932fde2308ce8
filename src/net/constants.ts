/** Random walk of the DHT (paced-random-walk.ts). */
/** Pause after a walk query that met a peer the walk had not seen yet. */
export const WALK_PAUSE_MIN_MS = 250
/** Longest pause between walk queries (reached after queries that met nobody new, doubling). */
export const WALK_PAUSE_MAX_MS = 30_000
/** A random DHT key: the size of a SHA-256 digest, as libp2p's own walk uses. */
export const WALK_KEY_BYTES = 32
/** Peers a walk remembers as seen (it forgets them all past this, and meets them as new again). */
export const WALK_SEEN_MAX = 1024
