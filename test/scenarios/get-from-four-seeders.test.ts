/**
 * Four users share the same file (each their own copy); a fifth gets it with a link naming all
 * four, and pulls pieces from every one of them at once.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { copyFile } from 'node:fs/promises'
import { join } from 'node:path'
import { choosePieceSize } from '../../src/content/piece-size.js'
import type { ShareResult, ShoalNode } from '../../src/node/node.js'
import { attributed, GET_TIMEOUT_MS, hashFile, linkVia, MiB, servedBy, TEST_TIMEOUT_MS, TestSwarm, writeRandomFile } from '../helpers/swarm.js'

const SIZE = 8 * MiB + 777
const SEEDERS = ['alice', 'bob', 'carol', 'dan']

test('get one file from four seeders at once, each serving part of it', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const swarm = new TestSwarm()
  t.after(async () => await swarm.cleanup())

  const original = join(await swarm.dir('original'), 'dataset.bin')
  const sourceHash = await writeRandomFile(original, SIZE)
  const pieceSize = choosePieceSize(SIZE)
  const expectedPieces = Math.ceil(SIZE / pieceSize)
  assert.ok(expectedPieces >= 256, `${expectedPieces} pieces: enough to spread over four seeders`)

  const seeders: Record<string, ShoalNode> = {}
  const shares: ShareResult[] = []
  for (const name of SEEDERS) {
    const copy = join(await swarm.dir(`copy-${name}`), 'dataset.bin')
    await copyFile(original, copy)
    seeders[name] = await swarm.node(name)
    shares.push(await seeders[name].share(copy))
  }
  const cid = shares[0]!.cid
  for (const share of shares) {
    assert.equal(share.cid, cid, 'the same bytes under the same name give the same content ID, whoever shares them')
    assert.equal(share.pieces, expectedPieces)
  }

  const leecher = await swarm.node('leecher')
  const link = linkVia(cid, Object.values(seeders))
  const result = await leecher.get(link, { output: await swarm.dir('downloads'), timeoutMs: GET_TIMEOUT_MS })

  assert.equal(await hashFile(result.path), sourceHash, 'downloaded bytes differ from the shared ones')
  assert.equal(result.bytes, SIZE)
  assert.equal(attributed(result), result.received, 'every received byte is attributed to a peer')
  assert.equal(result.received, SIZE, 'a piece fetched twice in the endgame counts once')
  const served = servedBy(result, seeders)
  for (const [name, bytes] of Object.entries(served)) {
    assert.ok(bytes > 0, `${name} served nothing: ${JSON.stringify(served)}`)
  }
  assert.deepEqual(Object.keys(result.peers).sort(), Object.values(seeders).map(n => n.peerId).sort(), 'bytes came only from the four seeders')
  assert.ok(SEEDERS.some(name => result.publisher === seeders[name]!.peerId), 'the publisher is one of the seeders')
})
