import { hkdfSync } from 'node:crypto'
import { defaultCrypto } from '@chainsafe/libp2p-noise/crypto'
import type { ICryptoInterface } from '@chainsafe/libp2p-noise'

const EMPTY = new Uint8Array(0)

/**
 * Noise's Node crypto with HKDF from node:crypto. Its default derives the three keys of each
 * handshake step with @noble/hashes' JavaScript HMAC-SHA-256, which in a process that has just
 * started runs in V8's interpreter: about 3 ms of every first connection, where OpenSSL takes
 * microseconds (docs/benchmarks.md, round 9). The same extract-and-expand (RFC 5869, the chaining
 * key as salt, no info, 96 bytes), so peers on either implementation agree.
 */
export const nodeNoiseCrypto: ICryptoInterface = {
  ...defaultCrypto,
  getHKDF (ck, ikm) {
    const okm = new Uint8Array(hkdfSync('sha256', ikm, ck, EMPTY, 96))
    return [okm.subarray(0, 32), okm.subarray(32, 64), okm.subarray(64, 96)]
  }
}
