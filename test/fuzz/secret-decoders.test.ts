/**
 * Fuzzing (fast-check, fixed seed) of what a secret link brings in from outside: the link's key
 * fragment, the sealed manifest a holder serves, and the sizes of sealed files. Only BAD_LINK,
 * BAD_KEY or a clean answer; nothing else thrown, nothing accepted that breaks its invariant.
 */
import { describe, test } from 'node:test'
import * as assert from 'node:assert/strict'
import fc from 'fast-check'
import { formatLink, parseLink } from '../../src/content/link.js'
import { decodeContentKey, isSecretManifest, openManifest, plainSizeOf, sealedSize, sealManifest } from '../../src/content/secret.js'
import { ErrorCode, ShoalError } from '../../src/errors.js'
import { nodeSecretCipher } from '../../src/store/secret-cipher.js'
import { manifest, RUNS, SEED, onlyErrors } from './arbitraries.js'

const options = { numRuns: RUNS, seed: SEED }
const CID_TEXT = 'bagaaierasords4njcts6vs7qvdjfcvgnume4hqohf65zsfguprqphs3icwea'


describe('fuzz: secret links', () => {
  test('any fragment is a 32-byte key, no key, BAD_LINK or BAD_KEY; a key round-trips through formatLink', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.stringMatching(/^[a-z2-7]{50,54}$/).map(s => `k=${s}`)), fragment => {
      const link = onlyErrors(() => parseLink(`shoal://${CID_TEXT}#${fragment}`), [ErrorCode.BadLink, ErrorCode.BadKey])
      if (link?.key === undefined) return
      assert.equal(link.key.byteLength, 32)
      assert.deepEqual(parseLink(formatLink(link)).key, link.key)
    }), options)
  })

  test('a key text of any form is 32 bytes or BAD_KEY', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 80 }), text => {
      const key = onlyErrors(() => decodeContentKey(text), [ErrorCode.BadKey])
      if (key !== undefined) assert.equal(key.byteLength, 32)
    }), options)
  })

  test('a sealed manifest of any bytes, or a mutated real one, opens only as the original: else BAD_KEY', () => {
    const key = new Uint8Array(32).fill(7)
    const original = new TextEncoder().encode('the inner envelope')
    const sealed = sealManifest(nodeSecretCipher, key, original)
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }),
      fc.tuple(fc.nat(sealed.byteLength - 1), fc.integer({ min: 1, max: 255 })).map(([at, x]) => { const m = Uint8Array.from(sealed); m[at]! ^= x; return m }),
      fc.nat(sealed.byteLength - 1).map(n => sealed.subarray(0, n))), bytes => {
      const opened = onlyErrors(() => openManifest(nodeSecretCipher, key, bytes), [ErrorCode.BadKey])
      if (opened !== undefined) assert.deepEqual(new Uint8Array(opened), original)
    }), options)
  })

  test('sealed sizes: any size is a plaintext size that seals back to it, or none; a manifest is secret only in the one shape', () => {
    fc.assert(fc.property(fc.nat({ max: 2 ** 40 }), size => {
      const plain = plainSizeOf(size)
      if (plain !== undefined) assert.equal(sealedSize(plain), size)
      assert.equal(plainSizeOf(sealedSize(size)), size)
    }), options)
    fc.assert(fc.property(manifest, m => { assert.equal(isSecretManifest(m), false) }), options)
  })
})
