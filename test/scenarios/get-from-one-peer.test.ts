/** A user shares one file and another user gets it by its link: everything comes from that one peer. */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { join } from 'node:path'
import { GET_TIMEOUT_MS, hashFile, MiB, TEST_TIMEOUT_MS, TestSwarm, writeRandomFile } from '../helpers/swarm.js'

const SIZE = 3 * MiB + 12_345

test('get a file from the one peer that shares it', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const swarm = new TestSwarm()
  t.after(async () => await swarm.cleanup())

  const source = join(await swarm.dir('source'), 'report.bin')
  const sourceHash = await writeRandomFile(source, SIZE)
  const seeder = await swarm.node('seeder')
  const shared = await seeder.share(source)
  assert.equal(shared.bytes, SIZE)
  assert.equal(shared.kind, 'file')

  const leecher = await swarm.node('leecher')
  const output = await swarm.dir('downloads')
  const result = await leecher.get(shared.link, { output, timeoutMs: GET_TIMEOUT_MS })

  assert.equal(result.cid, shared.cid)
  assert.equal(result.path, join(output, 'report.bin'))
  assert.equal(await hashFile(result.path), sourceHash, 'downloaded bytes differ from the shared ones')
  assert.equal(result.bytes, SIZE)
  assert.equal(result.received, SIZE, 'every byte is received once, none twice')
  assert.deepEqual(result.peers, { [seeder.peerId]: SIZE }, 'all bytes came from the seeder, and only from it')
  assert.equal(result.publisher, seeder.peerId)
})
