/** A user shares an empty file: it has no pieces at all, and the get still completes with an empty file. */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileSize, GET_TIMEOUT_MS, hashFile, hashTree, TEST_TIMEOUT_MS, TestSwarm } from '../helpers/swarm.js'

test('get a 0-byte file', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const swarm = new TestSwarm()
  t.after(async () => await swarm.cleanup())

  const source = join(await swarm.dir('source'), 'placeholder.txt')
  await writeFile(source, new Uint8Array(0))
  const seeder = await swarm.node('seeder')
  const shared = await seeder.share(source)
  assert.equal(shared.kind, 'file')
  assert.equal(shared.bytes, 0)
  assert.equal(shared.pieces, 0)

  const leecher = await swarm.node('leecher')
  const output = await swarm.dir('downloads')
  const result = await leecher.get(shared.link, { output, timeoutMs: GET_TIMEOUT_MS })

  assert.equal(result.path, join(output, 'placeholder.txt'))
  assert.equal(await fileSize(result.path), 0)
  assert.equal(await hashFile(result.path), await hashFile(source))
  assert.equal(result.bytes, 0)
  assert.equal(result.received, 0)
  assert.equal(result.publisher, seeder.peerId)
  assert.deepEqual([...(await hashTree(output)).keys()], ['placeholder.txt'], 'only the file, no partial left behind')
})
