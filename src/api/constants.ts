/** Limits and timings of the HTTP API. */

/** The API's version prefix; every JSON route lives under it. */
export const API_PREFIX = '/api/v1'
/** Largest JSON request body. */
export const MAX_JSON_BODY_BYTES = 64 * 1024
/** A JSON body must arrive within this long. */
export const BODY_TIMEOUT_MS = 30_000
/** Request headers must arrive within this long. */
export const HEADERS_TIMEOUT_MS = 30_000
/** An upload (a file dropped on the dashboard) fails when no byte arrives for this long. */
export const UPLOAD_IDLE_TIMEOUT_MS = 60_000
/** Largest file accepted by upload. */
export const MAX_UPLOAD_BYTES = 64 * 1024 * 1024 * 1024
/** An event stream gets a comment line this often, so proxies and clients know it is alive. */
export const SSE_HEARTBEAT_MS = 15_000
/** An event-stream client this far behind (bytes queued) is disconnected. */
export const SSE_MAX_BUFFERED_BYTES = 4 * 1024 * 1024
/** The gateway waits this long for a content's manifest (finding peers) before answering 504. */
export const GATEWAY_FIND_TIMEOUT_MS = 60_000
/** ... and this long for any one piece it needs. */
export const GATEWAY_PIECE_TIMEOUT_MS = 120_000
/**
 * While waiting, the gateway checks for the piece (and re-asks for it first) at least this often;
 * the manifest's and a piece's arrival wake it at once (a fixed first wait of this long made a
 * 1 KiB GET take 265 ms: bench small-file-daemon, round 4).
 */
export const GATEWAY_POLL_MS = 250
/** A verified piece that cannot be read is read again this many times (2, 4, … ms apart) before a 404. */
export const GATEWAY_REREADS = 10
/** Bytes ahead of the reader asked for first, so playback does not stall at each piece. */
export const GATEWAY_READAHEAD_BYTES = 4 * 1024 * 1024
/** Most pieces asked for first at once. */
export const GATEWAY_MAX_READAHEAD_PIECES = 32
/** How long a server shutdown waits for open responses (event streams, gateway reads) before cutting them. */
export const CLOSE_GRACE_MS = 2_000
