/**
 * The memory budget: bytes a node holds on behalf of other peers (memory-budget.ts). One table in
 * docs/security.md lists each with the test that shows it. Defaults keep a node well under 250 MB
 * of RSS whatever its peers do (its own baseline is about 80 MB).
 */

const MiB = 1024 * 1024
const KiB = 1024

/**
 * One stream (or direct connection) may hold this much: the pieces its provider reads ahead plus
 * its receive buffer. A stream holding nothing may always take one piece, however large (up to
 * 16 MiB), so read-ahead shrinks to a single piece for big pieces instead of refusing them.
 */
export const STREAM_BUDGET_BYTES = 4 * MiB
/** All streams and direct connections of one peer identity together. Above the largest piece frame. */
export const PEER_BUDGET_BYTES = 24 * MiB
/**
 * All peers connecting from one address (an IPv4 address, or an IPv6 /64) together: twenty
 * identities made on one host share this, while peers behind one NAT still each get their fair
 * share of it (below).
 */
export const ADDRESS_BUDGET_BYTES = 32 * MiB
/** Everything the node holds for others. */
export const NODE_BUDGET_BYTES = 96 * MiB
/**
 * Bulk buffers (read-ahead) leave this much of the node budget to the small fixed buffers of new
 * streams, so a node full of pieces still accepts, and can serve, a newcomer.
 */
export const NODE_RESERVE_BYTES = 8 * MiB
/**
 * Once the node budget is more than this full, a peer that already holds something may hold at
 * most an equal share of the node budget among the peers that hold or want some (and never more
 * than PEER_BUDGET_BYTES): the more peers press, the less each may keep. The same within one
 * address once its budget is more than this full (an equal share of ADDRESS_BUDGET_BYTES among
 * the peers at that address), so one host's identities cannot crowd out a neighbour behind its NAT.
 */
export const PRESSURE_FRACTION = 0.5
/**
 * The same within one address: a neighbour behind the NAT of a host whose identities fill the
 * address with pieces can still open streams (and then wait, first in line, for its share).
 */
export const ADDRESS_RESERVE_BYTES = 4 * MiB
/** Bytes a queued request is counted for (its entry in the provider's queue). */
export const REQUEST_ENTRY_BYTES = 16
/** Bytes a provider's libp2p stream may buffer unread (requests are 9 bytes a frame). */
export const PROVIDER_STREAM_READ_BYTES = 16 * KiB
