/**
 * Tunables shared by the requester and the provider. Wire-format limits live in wire/constants.ts,
 * the requester's in requester/constants.ts, the provider's in provider/constants.ts.
 */

/** How long a peer has to answer `open`, `get-manifest` or `get-hashes`. */
export const HANDSHAKE_TIMEOUT_MS = 10_000
/** How long a peer that sent a wrong piece stays banned. */
export const BAN_MS = 60 * 60 * 1000
/**
 * Share of served pieces hashed even though their file is unchanged since it was verified
 * (serve-check.ts): catches changes a file's stamp cannot show, at ~3 % of the hashing cost.
 */
export const SERVE_SAMPLE_RATE = 1 / 32
/**
 * A content at most this large keeps the bytes of the pieces a download verified in memory until
 * its files are final (SwarmContent.moveTo): a reader (the gateway, a peer) gets them at once
 * instead of waiting out the commit's syncs and rename. Bounds that memory per download.
 */
export const HELD_CONTENT_BYTES = 256 * 1024
