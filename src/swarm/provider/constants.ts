/** Tunables of the provider side. Shared ones live in common/constants.ts. */

/** A provider queues at most this many requests per stream; more are answered with `reject`. */
export const MAX_QUEUED_REQUESTS = 128
/** Most content streams one peer may open to us at once. */
export const MAX_STREAMS_PER_PEER = 64
