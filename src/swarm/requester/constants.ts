/** Tunables of the requester side (downloads). Shared ones live in common/constants.ts. */

/** Most bytes a requester keeps requested from one peer at once. */
export const IN_FLIGHT_BYTES_PER_PEER = 8 * 1024 * 1024
/** Unread bytes a requester's pipe may buffer: all it has in flight, twice, plus a frame. */
export const SESSION_READ_BUFFER_BYTES = IN_FLIGHT_BYTES_PER_PEER * 2 + 1024 * 1024
/**
 * A session on a libp2p stream moves to a direct connection (net/direct/) once the manifest shows
 * at least this much left to fetch: below it, setting up the connection (a round trip for the
 * port, a TLS handshake) costs more than the faster transfer saves.
 */
export const DIRECT_MIN_BYTES = 8 * 1024 * 1024
/**
 * A session left on a libp2p stream (its move to a direct connection failed: under load, a ticket
 * query or a connect can time out) tries again this often, while it keeps fetching on the stream.
 */
export const DIRECT_UPGRADE_RETRY_MS = 10_000
/** Bytes requested from a peer before its throughput is known (then: its rate × PIPELINE_SECONDS). */
export const INITIAL_IN_FLIGHT_BYTES = 512 * 1024
/**
 * Fewest bytes kept requested from a peer whatever its measured rate. A seed that a crowd shares
 * delivers each downloader a slice of its uplink, so the rate rule alone leaves two 64 KiB pieces
 * in flight there; each `reject` of initial seeding's hold (common/initial-seeding.ts) then left the
 * seed nothing queued for that downloader for a round trip, and the seed's uplink, the crowd's
 * bottleneck, idle. With 256 KiB: N=8 1.27-1.35 T* against 1.31-1.39 in 4 alternated pairs, N=16
 * 2.29 against 2.46 T* (docs/benchmarks.md, round 9).
 */
export const MIN_IN_FLIGHT_BYTES = 256 * 1024
/**
 * Seconds of a peer's measured throughput kept in flight: covers its round trip (up to about this
 * long) with room to spare, without queueing pieces at a slow peer that a fast one could deliver.
 */
export const PIPELINE_SECONDS = 0.5
/** Bounds on requests in flight per peer, whatever the piece size. */
export const MIN_REQUESTS_PER_PEER = 2
export const MAX_REQUESTS_PER_PEER = 64
/** In the endgame a missing piece may be requested from this many peers at once. */
export const ENDGAME_DUPLICATES = 2
/**
 * Longest a requested piece may take before it is given to another peer (smaller pieces get less:
 * see stall-guard.ts); also bounds opening a stream to a peer.
 */
export const PIECE_TIMEOUT_MS = 60_000
/**
 * A peer that said it lacks the content is asked again after this long (it may have fetched it
 * since), twice as long after each further `not-found` in a row, up to RETRY_NOT_FOUND_MAX_MS.
 * A download asks every connected peer (50 and more in a large DHT, most of which never get the
 * content): asking each again every 3 s for as long as the download lasts cost more streams than
 * the download itself, on machines already short of CPU (docs/benchmarks.md, round 7).
 */
export const RETRY_NOT_FOUND_MS = 3_000
export const RETRY_NOT_FOUND_MAX_MS = 48_000
/**
 * A peer that ended our session without an error is leaving (its node stops, or it stopped
 * serving the content): it is dialled again only after this long, and a dial that then fails
 * backs off as after three failures. In a flash crowd the downloaders that finish exit one after
 * another, and each retry of one costs a dial of every address it had: TCP, `/ws`, then a circuit
 * through each relay (docs/benchmarks.md, round 7).
 */
export const RETRY_ENDED_MS = 30_000
export const ENDED_COUNTS_AS_FAILURES = 3
/** A peer whose stream failed is retried after this long. */
export const RETRY_FAILED_MS = 5_000
/** How often a download asks its peers for more peers (peer exchange). */
export const PEER_EXCHANGE_INTERVAL_MS = 2_000
/** Longest pause between peer-exchange rounds, reached after rounds that bring no new peer. */
export const PEER_EXCHANGE_MAX_INTERVAL_MS = 30_000
/** Most peers one download talks to at once. */
export const MAX_PEERS_PER_DOWNLOAD = 60
/** How often a download's verified-piece map is saved for resume. */
export const SAVE_PROGRESS_INTERVAL_MS = 1_000
/** How often progress is reported. */
export const PROGRESS_INTERVAL_MS = 250
/** A piece a peer rejected is not asked of that peer again for this long. */
export const REJECT_RETRY_MS = 2_000
/**
 * Setup questions (`get-manifest`, `get-hashes`) go to one peer, then to one more every
 * SETUP_HEDGE_MS while none has answered (at once when one fails); SETUP_RACE_WIDTH of them asked
 * within one hedge at most; the first valid answer wins. Peers that answer `open` and then keep
 * silent cost a download about a second each instead of a handshake timeout each, and are scored
 * `stalled` when their question times out.
 */
export const SETUP_RACE_WIDTH = 3
export const SETUP_HEDGE_MS = 1_000
