/** What a 1.1.0 requester keeps of what a provider sent unasked (protocol.md §5.1), and its bounds. */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { EarlyAnswers } from '../../src/swarm/requester/early-answers.js'
import { HASH_BYTES, INLINE_CONTENT_BYTES, INLINE_MAX_PIECES } from '../../src/swarm/wire/constants.js'

test('the answer to a get-manifest sent with open is kept once, and taken once', () => {
  const early = new EarlyAnswers(true)
  assert.equal(early.manifestAsked, true)
  assert.equal(early.keep({ type: 'manifest', signed: new Uint8Array([1]) }), true)
  assert.equal(early.keep({ type: 'manifest', signed: new Uint8Array([2]) }), false, 'a second manifest is unsolicited')
  const ask = early.takeManifestAsk()
  assert.deepEqual(ask?.answer, { type: 'manifest', signed: new Uint8Array([1]) })
  assert.equal(early.takeManifestAsk(), undefined, 'asked once, taken once')
  assert.equal(new EarlyAnswers(false).keep({ type: 'manifest', signed: new Uint8Array([1]) }), false, 'not asked with open: unsolicited')
})

test('pieces sent unasked are kept up to a small content, then dropped', () => {
  const early = new EarlyAnswers(false)
  const piece = INLINE_CONTENT_BYTES / INLINE_MAX_PIECES
  for (let i = 0; i < INLINE_MAX_PIECES; i++) assert.equal(early.keep({ type: 'piece', piece: i, data: new Uint8Array(piece) }), true)
  assert.equal(early.keep({ type: 'piece', piece: INLINE_MAX_PIECES, data: new Uint8Array(1) }), false, 'past the bounds')
  assert.equal(early.takePiece(3)?.byteLength, piece)
  assert.equal(early.takePiece(3), undefined, 'taken once')
  assert.equal(early.keep({ type: 'piece', piece: 3, data: new Uint8Array(piece + 1) }), false, 'bytes bound: 64 KiB in all')
  assert.equal(early.keep({ type: 'piece', piece: 3, data: new Uint8Array(piece) }), true)
  assert.equal(early.keep({ type: 'piece', piece: 3, data: new Uint8Array(1) }), false, 'the same piece twice')
})

test('hash lists sent unasked are kept within bounds; anything else is not kept', () => {
  const early = new EarlyAnswers(false)
  assert.equal(early.keep({ type: 'hashes', file: 0, hashes: new Uint8Array(INLINE_MAX_PIECES * HASH_BYTES) }), true)
  assert.equal(early.keep({ type: 'hashes', file: 1, hashes: new Uint8Array((INLINE_MAX_PIECES + 1) * HASH_BYTES) }), false, 'a list longer than a small content has')
  assert.equal(early.takeHashes(0)?.byteLength, INLINE_MAX_PIECES * HASH_BYTES)
  assert.equal(early.takeHashes(0), undefined)
  assert.equal(early.keep({ type: 'peers', peers: [] }), false)
  assert.equal(early.keep({ type: 'have', piece: 0 }), false)
})
