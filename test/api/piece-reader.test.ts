/**
 * The gateway's piece reader when a verified piece cannot be read for a moment (its download is
 * being committed: the file renamed, the content not yet told): the bytes are served once they can
 * be read again, and a piece that stays unreadable ends in NOT_FOUND, not in a wait for ever.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { readFileRange } from '../../src/api/gateway/piece-reader.js'
import type { SwarmContent } from '../../src/swarm/common/swarm-content.js'
import { ErrorCode } from '../../src/errors.js'

const PIECE = Buffer.from('one small piece!')

/** A one-piece content that is verified but whose reads fail `failures` times first. */
function committing (failures: number): { content: SwarmContent, reads: () => number } {
  let reads = 0
  const content = {
    layout: { pieceSize: 1024, firstPiece: () => 0 },
    bitfield: { has: () => true },
    readVerifiedPiece: async () => (reads++ < failures ? undefined : PIECE)
  } as unknown as SwarmContent
  return { content, reads: () => reads }
}

async function readAll (content: SwarmContent): Promise<Buffer> {
  const parts: Uint8Array[] = []
  const o = { content: () => content, prioritize: () => {}, file: 0, range: { start: 0, end: PIECE.length - 1 }, signal: new AbortController().signal }
  for await (const part of readFileRange(o)) parts.push(part)
  return Buffer.concat(parts)
}

test('a piece unreadable for a moment is read again and served', async () => {
  const c = committing(3)
  assert.deepEqual(await readAll(c.content), PIECE)
  assert.equal(c.reads(), 4)
})

test('a piece that stays unreadable ends in NOT_FOUND', async () => {
  const c = committing(Number.POSITIVE_INFINITY)
  await assert.rejects(readAll(c.content), (err: any) => err.code === ErrorCode.NotFound)
  assert.ok(c.reads() > 1, 'it was read again before giving up')
})
