/** Tunables of the provider side. Shared ones live in common/constants.ts. */

/** A provider queues at most this many requests per stream; more are answered with `reject`. */
export const MAX_QUEUED_REQUESTS = 128
/** Most content streams one peer may open to us at once. */
export const MAX_STREAMS_PER_PEER = 64
/**
 * A requester that stops reading: a write of ours waiting for its stream to drain must see at
 * least READER_STALL_MIN_BYTES leave per READER_STALL_WINDOW_MS (6.4 KiB/s, below the 16 KiB/s a
 * requester itself demands of a provider), or the stream is reset, its buffers freed, and the
 * peer scored `stalled`.
 */
export const READER_STALL_WINDOW_MS = 10_000
/**
 * A requester's frames are at most 257 bytes (wire/constants.ts): one that begins a frame and does
 * not finish it within this long is reset and scored `stalled` (issue 16: half-sent frames).
 */
export const FRAME_DEADLINE_MS = 10_000
export const READER_STALL_MIN_BYTES = 64 * 1024
