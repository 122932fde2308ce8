/**
 * Piece hashes and the per-file Merkle tree over them. Leaves are raw SHA-256 piece hashes;
 * an inner node is sha256(0x01 || left || right); an odd node at the end of a level moves up
 * unchanged. One leaf is its own root; zero leaves give sha256 of empty input.
 */
import { toHex } from './bytes.js'
import { sha256 } from './sha256.js'
import { ShoalError, ErrorCode } from '../errors.js'

export const HASH_BYTES = 32
/** Prefix of an inner node, so an inner node's input never looks like a 64-byte piece. */
const NODE_PREFIX = Uint8Array.of(0x01)
const ROOT_HEX = /^[0-9a-f]{64}$/

/** SHA-256 of one piece's bytes, given whole or as the chunks it arrived in. */
export function hashPiece (data: Uint8Array | Iterable<Uint8Array>): Uint8Array {
  return sha256(data)
}

/** Merkle root of `leaves`, n * 32 concatenated hashes in piece order. */
export function merkleRoot (leaves: Uint8Array): Uint8Array {
  if (leaves.byteLength % HASH_BYTES !== 0) {
    throw new ShoalError(ErrorCode.BadArgument, `leaf hashes must be a multiple of ${HASH_BYTES} bytes, got ${leaves.byteLength}`)
  }
  let count = leaves.byteLength / HASH_BYTES
  if (count === 0) return sha256(new Uint8Array(0))
  if (count === 1) return Uint8Array.from(leaves)

  let level = leaves
  while (count > 1) {
    const parents = Math.ceil(count / 2)
    const next = new Uint8Array(parents * HASH_BYTES)
    for (let i = 0; i < parents; i++) {
      const left = level.subarray(2 * i * HASH_BYTES, (2 * i + 1) * HASH_BYTES)
      const node = 2 * i + 1 < count
        ? sha256([NODE_PREFIX, left, level.subarray((2 * i + 1) * HASH_BYTES, (2 * i + 2) * HASH_BYTES)])
        : left
      next.set(node, i * HASH_BYTES)
    }
    level = next
    count = parents
  }
  return level
}

/** Hex of the Merkle root, as stored in a manifest. */
export function merkleRootHex (leaves: Uint8Array): string {
  return toHex(merkleRoot(leaves))
}

/**
 * True when `leaves` holds exactly `expectedPieces` hashes and their Merkle root is `rootHex`.
 * Used to accept a file's piece-hash list from a peer before trusting any single hash in it.
 */
export function verifyFileHashes (leaves: Uint8Array, expectedPieces: number, rootHex: string): boolean {
  if (!Number.isSafeInteger(expectedPieces) || expectedPieces < 0) return false
  if (leaves.byteLength !== expectedPieces * HASH_BYTES) return false
  if (typeof rootHex !== 'string' || !ROOT_HEX.test(rootHex)) return false
  return merkleRootHex(leaves) === rootHex
}
