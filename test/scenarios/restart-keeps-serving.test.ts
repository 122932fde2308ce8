/**
 * A user shares a file, quits, and starts the node again on the same data dir: same peer ID, and
 * the file is served again without sharing it a second time.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { join } from 'node:path'
import { GET_TIMEOUT_MS, hashFile, KiB, linkVia, MiB, TEST_TIMEOUT_MS, TestSwarm, writeRandomFile } from '../helpers/swarm.js'

const SIZE = 2 * MiB + 17 * KiB + 1

test('a restarted node keeps serving what it shared', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const swarm = new TestSwarm()
  t.after(async () => await swarm.cleanup())

  const source = join(await swarm.dir('source'), 'album.zip')
  const sourceHash = await writeRandomFile(source, SIZE)
  const dataDir = await swarm.dir('nodes/sharer')

  const before = await swarm.node('sharer', { dataDir })
  const shared = await before.share(source)
  const peerId = before.peerId
  await before.stop()

  const after = await swarm.node('sharer-again', { dataDir })
  assert.equal(after.peerId, peerId, 'the peer ID survives a restart')

  // No share() call on the restarted node. It listens on a fresh port (tcp/0): the link carries
  // its new addresses.
  const leecher = await swarm.node('leecher')
  const result = await leecher.get(linkVia(shared.cid, [after]), { output: await swarm.dir('downloads'), timeoutMs: GET_TIMEOUT_MS })

  assert.equal(await hashFile(result.path), sourceHash, 'downloaded bytes differ from the shared ones')
  assert.equal(result.bytes, SIZE)
  assert.deepEqual(result.peers, { [peerId]: SIZE }, 'the restarted node served every byte')
  assert.equal(result.publisher, peerId)
})
