/**
 * Wire-format constants of `/shoal/swarm/1.0.0`. Changing any of these is a protocol change:
 * a peer running the old values would reject our frames (or we theirs).
 */

export const PROTOCOL = '/shoal/swarm/1.0.0'
/**
 * The same messages and framing, with two changes for small contents (protocol.md §5.1): a
 * requester may send `get-manifest` right after `open`, and a provider answering the first
 * `get-manifest` for a complete content of at most INLINE_CONTENT_BYTES sends the content with
 * it. A requester proposes it first and falls back to 1.0.0; a provider serves both.
 */
export const PROTOCOL_1_1 = '/shoal/swarm/1.1.0'
/** What a requester proposes, in order of preference, and what a provider answers to. */
export const SWARM_PROTOCOLS = [PROTOCOL_1_1, PROTOCOL]

const KiB = 1024
const MiB = 1024 * KiB

/** Bytes of the length prefix in front of every frame. */
export const FRAME_HEADER_BYTES = 4
/** Largest piece a `piece` message may carry. */
export const MAX_PIECE_BYTES = 16 * MiB
/**
 * Largest frame body (type byte + payload, i.e. the value of the length prefix). A full piece plus
 * its type byte and index must fit; the rest is slack.
 */
export const MAX_FRAME_BYTES = MAX_PIECE_BYTES + 64
/** Largest opaque signed manifest: an 8 MiB manifest plus room for the key and signature. */
export const MAX_SIGNED_MANIFEST_BYTES = 8 * MiB + 4 * KiB
/** A content this small (and complete) comes with its manifest on a 1.1.0 stream: hash lists and pieces, unasked. */
export const INLINE_CONTENT_BYTES = 64 * KiB
/** …and of at most this many pieces (many tiny files stay on requests, within the provider's queue bound). */
export const INLINE_MAX_PIECES = 16
/** Bytes of one SHA-256 piece hash. */
export const HASH_BYTES = 32
/** Cap on the hash list of one file (2^22 pieces); the frame limit below is the tighter bound. */
export const MAX_HASHES_BYTES = 2 ** 22 * HASH_BYTES
/** Most hashes one `hashes` frame can hold: type byte and file index come out of the frame first. */
export const MAX_HASHES_PER_MESSAGE = Math.floor(Math.min(MAX_HASHES_BYTES, MAX_FRAME_BYTES - 1 - 4) / HASH_BYTES)
/** Peers in one `peers` message. */
export const MAX_PEERS_PER_MESSAGE = 50
/** Addresses per peer in a `peers` message. */
export const MAX_ADDRS_PER_PEER = 8
/** Byte strings behind a u8 length prefix (CID, peer id, multiaddr). */
export const MAX_CID_BYTES = 255
export const MAX_PEER_ID_BYTES = 255
export const MAX_ADDR_BYTES = 255
/**
 * The largest frame body a requester ever sends: `open` with a 255-byte CID (type, length, CID).
 * Every other requester message is 1 or 5 bytes, so a provider refuses any larger length prefix
 * at once (protocol.md §4), and never buffers more than this of a requester's frame.
 */
export const MAX_REQUESTER_FRAME_BYTES = 2 + MAX_CID_BYTES
export const MAX_U32 = 0xffff_ffff

/** The type byte of each message. Requester → provider is 0x0_, provider → requester is 0x8_. */
export const MESSAGE_CODES = {
  open: 0x01,
  'get-manifest': 0x02,
  'get-hashes': 0x03,
  request: 0x04,
  cancel: 0x05,
  'get-peers': 0x06,
  bitfield: 0x81,
  manifest: 0x82,
  hashes: 0x83,
  piece: 0x84,
  have: 0x85,
  reject: 0x86,
  peers: 0x87,
  'not-found': 0x88
} as const
