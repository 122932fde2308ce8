/** The page's pure-JavaScript SHA-256 (content/sha256.browser.ts) agrees with Node's, whole or in chunks. */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { sha256 as nodeSha256 } from '../../src/content/sha256.js'
import { sha256 as browserSha256 } from '../../src/content/sha256.browser.js'
import { equalBytes, fromHex, toHex, utf8Length } from '../../src/content/bytes.js'

test('both SHA-256 modules give the same digests as node:crypto', () => {
  for (const size of [0, 1, 55, 56, 64, 65_536, 1_000_003]) {
    const data = randomBytes(size)
    const expected = createHash('sha256').update(data).digest('hex')
    assert.equal(toHex(nodeSha256(data)), expected, `node, ${size} bytes`)
    assert.equal(toHex(browserSha256(data)), expected, `browser, ${size} bytes`)
    const chunks = [data.subarray(0, size >> 1), data.subarray(size >> 1)]
    assert.equal(toHex(browserSha256(chunks)), expected, `browser in chunks, ${size} bytes`)
    assert.equal(toHex(nodeSha256(chunks)), expected, `node in chunks, ${size} bytes`)
  }
})

test('byte helpers: hex both ways, equality, UTF-8 length', () => {
  const bytes = randomBytes(40)
  assert.equal(toHex(bytes), bytes.toString('hex'))
  assert.ok(equalBytes(fromHex(bytes.toString('hex')), bytes))
  assert.ok(!equalBytes(bytes, bytes.subarray(1)))
  const other = Uint8Array.from(bytes)
  other[39] = (other[39] as number) ^ 1
  assert.ok(!equalBytes(bytes, other))
  for (const text of ['', 'abc', 'é', '日本', '😀', '\uD800']) assert.equal(utf8Length(text), Buffer.byteLength(text, 'utf8'), JSON.stringify(text))
})
