/** Direct connections (see direct-server.ts): limits and timeouts. Each has a line in docs/security.md. */

/** The libp2p protocol a peer asks on for a ticket to our direct port (ticket-query.ts). */
export const DIRECT_PROTOCOL = '/shoal/direct/1.0.0'
/** ALPN of a direct TLS connection, so it is never mistaken for another TLS service. */
export const DIRECT_ALPN = 'shoal-direct/1'
/**
 * TLS 1.3 suites with SHA-256, the hash a TLS 1.3 external PSK is used with; AES-GCM first
 * (AES-NI), ChaCha20 for machines without it.
 */
export const DIRECT_CIPHERS = 'TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256'
/**
 * The TLS handshake must be over within this long, on both sides. Generous: a node starting up
 * among many others on a busy machine may take seconds.
 */
export const DIRECT_HANDSHAKE_TIMEOUT_MS = 10_000
/** The TCP connect to a peer's direct port gives up after this long (a firewall may drop it silently). */
export const DIRECT_CONNECT_TIMEOUT_MS = 3_000
/** The answer to a ticket query must come within this long (the peer is known to answer on libp2p). */
export const DIRECT_QUERY_TIMEOUT_MS = 10_000
/** After a peer said it has no direct port, or refused the dial or the TLS key, libp2p streams are used with it for this long. */
export const DIRECT_RETRY_MS = 10 * 60 * 1000
/** After any other failure (a timeout, a reset: a busy peer, a busy machine), a direct connection is tried again this soon. */
export const DIRECT_RETRY_AFTER_TIMEOUT_MS = 30_000
/** A ticket must be used within this long, and only once. */
export const DIRECT_TICKET_TTL_MS = 15_000
/** Unused tickets one peer may hold at once (more queries are answered "no direct port"). */
export const MAX_TICKETS_PER_PEER = 16
/**
 * Unused tickets of all peers connecting from one address (IPv4, or IPv6 /64) together: throwaway
 * identities made on one host share them, while honest peers behind one NAT, each redeeming its
 * ticket within a second of getting it, rarely hold more than a few at once.
 */
export const MAX_TICKETS_PER_ADDRESS = 64
/** Unused tickets over all peers. */
export const MAX_TICKETS = 1024
/** Bytes of a ticket's identity and of its key. */
export const TICKET_ID_BYTES = 16
export const TICKET_KEY_BYTES = 32
/** Most direct connections (handshaking or open) a node accepts at once, over all peers. */
export const MAX_DIRECT_CONNECTIONS = 512
/** Most direct connections one peer may hold to us (one per content it downloads from us). */
export const MAX_DIRECT_PER_PEER = 64
/**
 * Unread bytes a served direct connection may buffer before it stops reading (requests are 9
 * bytes a frame); taken from the memory budget (budget/) for as long as the connection is served.
 */
export const DIRECT_SERVE_BUFFER_BYTES = 64 * 1024
