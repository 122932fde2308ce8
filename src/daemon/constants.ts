/** Tunables and file names of the daemon (`shoal daemon`). */

/** Where the API listens unless `--api` says otherwise: loopback only. */
export const DEFAULT_API_HOST = '127.0.0.1'
export const DEFAULT_API_PORT = 5110

/** In the data directory: the API's address and pid while a daemon runs (removed when it stops). */
export const API_FILE = 'api.json'
/** In the data directory: the API token, kept across restarts so a bookmarked dashboard URL still works. */
export const TOKEN_FILE = 'api-token'
/** In the data directory: unfinished downloads, so a restarted daemon picks them up again. */
export const DOWNLOADS_FILE = 'daemon-downloads.json'
/** Under the data directory unless `--downloads` says otherwise: where dashboard downloads go. */
export const DEFAULT_DOWNLOADS_SUBDIR = 'downloads'
/** Under the data directory: files dropped on the dashboard, shared from here. */
export const UPLOADS_SUBDIR = 'uploads'

/** Random bytes in a new API token (hex-encoded: twice as many characters). */
export const TOKEN_BYTES = 24

/** A download the daemon starts without a timeout gives up after this long without any progress. */
export const DAEMON_STALL_TIMEOUT_MS = 7 * 24 * 60 * 60 * 1000
/** Progress of running downloads is pushed to event subscribers at most this often. */
export const PROGRESS_EVENT_INTERVAL_MS = 500
/** Peers, rates and node stats are sampled and pushed this often. */
export const STATS_INTERVAL_MS = 1_000
/** Most event-stream subscribers at once (dashboard tabs, `shoal` commands). */
export const MAX_EVENT_SUBSCRIBERS = 64
/** Most downloads one daemon manages at once (running, paused, failed or finished this session). */
export const MAX_MANAGED_DOWNLOADS = 1_000
/** Peers told apart in one download's piece map; later ones share the last colour. */
export const MAX_SOURCE_PEERS = 253
/** A piece map marks pieces this way when they were verified before this daemon session. */
export const SOURCE_EARLIER = 255
/** ... and this way when a peer beyond MAX_SOURCE_PEERS gave them. */
export const SOURCE_OTHER = 254
/** Recent log records kept for the dashboard's activity feed. */
export const ACTIVITY_RECORDS = 100
/** Seconds of rate history kept for the dashboard's throughput chart. */
export const RATE_HISTORY_SAMPLES = 120
