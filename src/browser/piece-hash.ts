/// <reference lib="dom" />
import type { PieceData } from '../swarm/wire/messages.js'

/**
 * SHA-256 of a piece with WebCrypto (~52 µs per 64 KiB piece in Chromium, off the main thread's
 * JavaScript), or undefined where the page has none (not a secure context): the download then
 * hashes with content/sha256.browser.ts, in pure JavaScript.
 */
export function webCryptoPieceHash (): ((data: PieceData) => Promise<Uint8Array>) | undefined {
  const subtle = globalThis.crypto?.subtle
  if (subtle === undefined) return undefined
  return async data => {
    const bytes = data instanceof Uint8Array ? data : data.subarray()
    return new Uint8Array(await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>))
  }
}
