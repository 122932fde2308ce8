/**
 * Users share files whose sizes are not a multiple of the piece size (the last piece is short),
 * exactly a multiple, and a single byte; every one comes through byte for byte.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { join } from 'node:path'
import { choosePieceSize } from '../../src/content/piece-size.js'
import { fileSize, GET_TIMEOUT_MS, hashFile, KiB, MiB, TEST_TIMEOUT_MS, TestSwarm, writeRandomFile } from '../helpers/swarm.js'

/** Name → size. Piece sizes are chosen by size: 16 KiB up to 16 MiB, 32 KiB for the largest here. */
const FILES: Record<string, number> = {
  'one-byte.bin': 1,
  'one-short-of-a-piece.bin': 16 * KiB - 1,
  'exactly-one-piece.bin': 16 * KiB,
  'one-over-a-piece.bin': 16 * KiB + 1,
  'odd.bin': 100_000,
  'exactly-64-pieces.bin': 1 * MiB,
  'big-short-tail.bin': 17 * MiB + 5,
  'big-exact.bin': 17 * MiB
}

test('files of uneven sizes all come through byte for byte', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const swarm = new TestSwarm()
  t.after(async () => await swarm.cleanup())

  const sources = await swarm.dir('source')
  const seeder = await swarm.node('seeder')
  const leecher = await swarm.node('leecher')
  const output = await swarm.dir('downloads')

  const tails = new Set<string>()
  for (const [name, size] of Object.entries(FILES)) {
    await t.test(`${name} (${size} bytes)`, async () => {
      const source = join(sources, name)
      const sourceHash = await writeRandomFile(source, size)
      const pieceSize = choosePieceSize(size)
      const shared = await seeder.share(source)
      assert.equal(shared.pieces, Math.ceil(size / pieceSize))
      tails.add(size % pieceSize === 0 ? 'exact' : size < pieceSize ? 'single short piece' : 'short last piece')
      if (size > 16 * MiB) assert.ok(pieceSize > 16 * KiB, 'a larger piece size is exercised too')

      const result = await leecher.get(shared.link, { output, timeoutMs: GET_TIMEOUT_MS })
      assert.equal(await fileSize(result.path), size)
      assert.equal(await hashFile(result.path), sourceHash, 'downloaded bytes differ from the shared ones')
      assert.equal(result.bytes, size)
      assert.equal(result.received, size)
      assert.deepEqual(result.peers, { [seeder.peerId]: size })
    })
  }
  assert.deepEqual([...tails].sort(), ['exact', 'short last piece', 'single short piece'])
})
