/** Direct connections (see direct-server.ts): limits and timeouts. Each has a line in docs/security.md. */

/** The libp2p protocol a peer asks on to learn our direct port. */
export const DIRECT_PROTOCOL = '/shoal/direct/1.0.0'
/** ALPN of a direct TLS connection, so it is never mistaken for another TLS service. */
export const DIRECT_ALPN = 'shoal-direct/1'
/** A connecting peer must finish the TLS handshake (and prove its key) within this long. */
export const DIRECT_HANDSHAKE_TIMEOUT_MS = 5_000
/** A dial to a peer's direct port gives up after this long (a firewall may drop it silently). */
export const DIRECT_CONNECT_TIMEOUT_MS = 3_000
/** The answer to a port query must come within this long. */
export const DIRECT_QUERY_TIMEOUT_MS = 3_000
/** After a failed query or dial, pieces flow with that peer over libp2p streams for this long. */
export const DIRECT_RETRY_MS = 10 * 60 * 1000
/** Most direct connections (handshaking or open) a node accepts at once, over all peers. */
export const MAX_DIRECT_CONNECTIONS = 512
/** Most direct connections one peer may hold to us (one per content it downloads from us). */
export const MAX_DIRECT_PER_PEER = 64
/** Unread bytes a served direct connection may buffer before it stops reading (requests are small). */
export const DIRECT_SERVE_BUFFER_BYTES = 256 * 1024
