/**
 * SHA-256, synchronous, in pure JavaScript (@noble/hashes, ~110 MB/s in Chromium): what a web page
 * uses in place of sha256.ts for manifests and Merkle trees, and for pieces where WebCrypto is
 * missing (a page that is not a secure context). Pieces are otherwise hashed with WebCrypto
 * (src/browser/piece-hash.ts), ten times faster.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'

/** SHA-256 of `data`, given whole or as chunks in order. */
export function sha256 (data: Uint8Array | Iterable<Uint8Array>): Uint8Array {
  if (data instanceof Uint8Array) return nobleSha256(data)
  const h = nobleSha256.create()
  for (const chunk of data) h.update(chunk)
  return h.digest()
}
