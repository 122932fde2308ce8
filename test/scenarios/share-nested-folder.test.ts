/**
 * A user shares a folder with nested subfolders (an empty file, files of awkward sizes, one of a
 * few MiB); the downloaded folder is the same tree, path for path and byte for byte.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { join } from 'node:path'
import { choosePieceSize } from '../../src/content/piece-size.js'
import { fileSize, GET_TIMEOUT_MS, hashTree, MiB, TEST_TIMEOUT_MS, TestSwarm, writeRandomTree } from '../helpers/swarm.js'

const TREE: Record<string, number> = {
  'README.txt': 1,
  'empty.dat': 0,
  'docs/notes.md': 16_383,
  'docs/deeper/still/empty-too.log': 0,
  'docs/deeper/still/table.csv': 16_385,
  'images/2024/photo.raw': 100_000,
  'images/2024/exactly-one-piece.bin': 16_384,
  'video/clip.mp4': 3 * MiB + 5
}

test('share a nested folder; the downloaded tree equals the source tree', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const swarm = new TestSwarm()
  t.after(async () => await swarm.cleanup())

  const source = join(await swarm.dir('source'), 'project')
  const expected = await writeRandomTree(source, TREE)
  const total = Object.values(TREE).reduce((sum, n) => sum + n, 0)
  const pieceSize = choosePieceSize(total)
  assert.ok(Object.values(TREE).some(n => n > pieceSize && n % pieceSize !== 0), 'some file ends in a short piece')

  const seeder = await swarm.node('seeder')
  const shared = await seeder.share(source)
  assert.equal(shared.kind, 'dir')
  assert.equal(shared.files, Object.keys(TREE).length)
  assert.equal(shared.bytes, total)
  assert.deepEqual(shared.skipped, [])
  assert.equal(shared.pieces, Object.values(TREE).reduce((sum, n) => sum + Math.ceil(n / pieceSize), 0))

  const leecher = await swarm.node('leecher')
  const output = await swarm.dir('downloads')
  const result = await leecher.get(shared.link, { output, timeoutMs: GET_TIMEOUT_MS })

  assert.equal(result.kind, 'dir')
  assert.equal(result.path, join(output, 'project'))
  assert.deepEqual(await hashTree(result.path), await hashTree(source), 'downloaded tree differs from the shared one')
  assert.deepEqual([...(await hashTree(result.path)).keys()], [...expected.keys()].sort())
  for (const [path, size] of Object.entries(TREE)) {
    assert.equal(await fileSize(join(result.path, ...path.split('/'))), size, path)
  }
  assert.deepEqual(await hashTree(output), new Map([...expected].map(([path, hash]): [string, string] => [`project/${path}`, hash]).sort()), 'nothing else is left in the output folder (no partial files)')
  assert.equal(result.received, total)
  assert.deepEqual(result.peers, { [seeder.peerId]: total })
})
