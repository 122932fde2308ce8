import { test } from 'node:test'
import { strict as assert } from 'node:assert'
import { createHash } from 'node:crypto'
import { ErrorCode } from '../../src/errors.js'
import { HASH_BYTES, hashPiece, merkleRoot, verifyFileHashes } from '../../src/content/merkle.js'

const sha = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return h.digest()
}
const node = (left: Uint8Array, right: Uint8Array): Buffer => sha(Uint8Array.of(1), left, right)
const leaf = (i: number): Buffer => sha(Buffer.from(`piece ${i}`))
const leaves = (n: number): Uint8Array => Buffer.concat(Array.from({ length: n }, (_, i) => leaf(i)))
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

test('hashPiece is SHA-256', () => {
  assert.equal(hex(hashPiece(Buffer.from('abc'))), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  assert.equal(hashPiece(new Uint8Array(10)).length, HASH_BYTES)
})

test('merkle roots against hand computation', () => {
  const [l0, l1, l2, l3, l4] = [0, 1, 2, 3, 4].map(leaf) as [Buffer, Buffer, Buffer, Buffer, Buffer]
  assert.equal(hex(merkleRoot(new Uint8Array(0))), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
  assert.equal(hex(merkleRoot(leaves(1))), hex(l0))
  assert.equal(hex(merkleRoot(leaves(2))), hex(node(l0, l1)))
  // Three: the odd leaf moves up unchanged.
  assert.equal(hex(merkleRoot(leaves(3))), hex(node(node(l0, l1), l2)))
  // Five: l4 is promoted twice.
  assert.equal(hex(merkleRoot(leaves(5))), hex(node(node(node(l0, l1), node(l2, l3)), l4)))
})

test('merkleRoot does not modify its input and rejects ragged input', () => {
  const input = leaves(5)
  const copy = Uint8Array.from(input)
  merkleRoot(input)
  assert.ok(Buffer.from(input).equals(copy))
  assert.throws(() => merkleRoot(new Uint8Array(33)), { code: ErrorCode.BadArgument })
})

test('verifyFileHashes', () => {
  const hashes = leaves(5)
  const root = hex(merkleRoot(hashes))
  assert.equal(verifyFileHashes(hashes, 5, root), true)
  const flipped = Uint8Array.from(hashes)
  flipped[2 * HASH_BYTES + 7]! ^= 0x01
  assert.equal(verifyFileHashes(flipped, 5, root), false)
  assert.equal(verifyFileHashes(hashes, 4, root), false, 'wrong count')
  assert.equal(verifyFileHashes(hashes.subarray(0, 4 * HASH_BYTES), 5, root), false, 'too few hashes')
  assert.equal(verifyFileHashes(hashes, 5, root.toUpperCase()), false, 'root not canonical hex')
  assert.equal(verifyFileHashes(new Uint8Array(0), 0, hex(merkleRoot(new Uint8Array(0)))), true, 'empty file')
  // Promoting the odd leaf must not let a shorter list match: [l0,l1,l2] vs [node(l0,l1), l2].
  const three = leaves(3)
  const collapsed = Buffer.concat([node(three.subarray(0, 32), three.subarray(32, 64)), three.subarray(64)])
  assert.equal(verifyFileHashes(collapsed, 3, hex(merkleRoot(three))), false)
})
