/**
 * The page's pure-JS cipher (src/browser/page-cipher.ts) is the node's (store/secret-cipher.ts)
 * byte for byte: what a node seals, a page opens, and the other way round; a changed byte fails.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { fileKey, segmentAad, segmentNonce } from '../../src/content/secret.js'
import { pageSecretCipher, pageSegmentOpener } from '../../src/browser/page-cipher.js'
import { nodeSecretCipher } from '../../src/store/secret-cipher.js'

test('page and node ciphers derive the same keys and open each other\'s segments', async () => {
  const contentKey = new Uint8Array(randomBytes(32))
  for (const file of [0, 1, 1 << 19]) {
    const key = fileKey(pageSecretCipher, contentKey, file)
    assert.deepEqual(key, fileKey(nodeSecretCipher, contentKey, file), `file key ${file}`)
    for (const [segment, size] of [[0, 0], [3, 1000], [7, 64 * 1024]] as const) {
      const plain = new Uint8Array(randomBytes(size))
      const nonce = segmentNonce(segment)
      const aad = segmentAad(file, segment, segment === 7)
      const byNode = nodeSecretCipher.seal(key, nonce, aad, plain)
      assert.deepEqual(pageSecretCipher.seal(key, nonce, aad, plain), new Uint8Array(byNode), 'same ciphertext and tag')
      assert.deepEqual(pageSecretCipher.open(key, nonce, aad, byNode), plain)
      assert.deepEqual(await pageSegmentOpener()(key, nonce, aad, byNode), plain, 'WebCrypto (Node\'s here) opens it too')
      assert.deepEqual(new Uint8Array(nodeSecretCipher.open(key, nonce, aad, pageSecretCipher.seal(key, nonce, aad, plain))), plain)
      const tampered = Uint8Array.from(byNode)
      tampered[0] = (tampered[0] as number) ^ 1
      assert.throws(() => pageSecretCipher.open(key, nonce, aad, tampered))
      await assert.rejects(async () => await pageSegmentOpener()(key, nonce, aad, tampered))
      assert.throws(() => pageSecretCipher.open(key, segmentNonce(segment + 1), aad, byNode), 'another segment\'s nonce fails')
    }
  }
})
