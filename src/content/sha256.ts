/**
 * SHA-256, synchronous: node:crypto here. A web page's bundle (src/browser/bundle.ts) swaps this
 * module for sha256.browser.ts, so content/ and swarm/ run in a page unchanged.
 */
import { createHash } from 'node:crypto'

/** SHA-256 of `data`, given whole or as chunks in order. */
export function sha256 (data: Uint8Array | Iterable<Uint8Array>): Uint8Array {
  const h = createHash('sha256')
  if (data instanceof Uint8Array) h.update(data)
  else for (const chunk of data) h.update(chunk)
  return h.digest()
}
