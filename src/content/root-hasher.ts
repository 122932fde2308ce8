/**
 * A file's Merkle root (merkle.ts) from its bytes given as a stream of chunks of any size: cut
 * into pieces of `pieceSize`, each hashed, the root taken over the piece hashes at the end.
 */
import { HASH_BYTES, hashPiece, merkleRootHex } from './merkle.js'

export class RootHasher {
  private readonly leaves: Uint8Array[] = []
  private readonly piece: Uint8Array
  private filled = 0

  constructor (private readonly pieceSize: number) {
    this.piece = new Uint8Array(pieceSize)
  }

  update (bytes: Uint8Array): void {
    let offset = 0
    while (offset < bytes.byteLength) {
      const take = Math.min(this.pieceSize - this.filled, bytes.byteLength - offset)
      this.piece.set(bytes.subarray(offset, offset + take), this.filled)
      this.filled += take
      offset += take
      if (this.filled === this.pieceSize) this.flush()
    }
  }

  /** The root, in hex as manifests carry it. */
  root (): string {
    if (this.filled > 0) this.flush()
    const leaves = new Uint8Array(this.leaves.length * HASH_BYTES)
    this.leaves.forEach((leaf, i) => leaves.set(leaf, i * HASH_BYTES))
    return merkleRootHex(leaves)
  }

  private flush (): void {
    this.leaves.push(hashPiece(this.piece.subarray(0, this.filled)))
    this.filled = 0
  }
}
