/**
 * Three users get a file at once from a seeder whose upload is capped: they pass pieces to each
 * other while downloading, so each gets part of the file from the other leechers.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { join } from 'node:path'
import type { ShoalNode } from '../../src/node/node.js'
import { attributed, GET_TIMEOUT_MS, hashFile, MiB, servedBy, TEST_TIMEOUT_MS, TestSwarm, writeRandomFile } from '../helpers/swarm.js'

const SIZE = 6 * MiB + 4321
const UPLOAD_LIMIT = 1 * MiB
const LEECHERS = ['lea', 'leo', 'lou']

test('leechers serve each other while the seeder is throttled', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const swarm = new TestSwarm()
  t.after(async () => await swarm.cleanup())

  const source = join(await swarm.dir('source'), 'video.mkv')
  const sourceHash = await writeRandomFile(source, SIZE)
  const seeder = await swarm.node('seeder', { uploadLimit: UPLOAD_LIMIT })
  const shared = await seeder.share(source)

  const leechers: Record<string, ShoalNode> = {}
  for (const name of LEECHERS) leechers[name] = await swarm.node(name)
  const results = await Promise.all(LEECHERS.map(async name =>
    await leechers[name]!.get(shared.link, { output: await swarm.dir(`downloads-${name}`), timeoutMs: GET_TIMEOUT_MS })))

  for (const [i, result] of results.entries()) {
    const name = LEECHERS[i] as string
    assert.equal(await hashFile(result.path), sourceHash, `${name}: downloaded bytes differ from the shared ones`)
    assert.equal(result.bytes, SIZE)
    assert.equal(result.received, SIZE)
    assert.equal(attributed(result), result.received)
    const others = Object.fromEntries(Object.entries(leechers).filter(([other]) => other !== name))
    const fromOthers = servedBy(result, others)
    const fromLeechers = Object.values(fromOthers).reduce((sum, n) => sum + n, 0)
    assert.ok(fromLeechers > 0, `${name} got nothing from the other leechers: ${JSON.stringify({ seeder: result.peers[seeder.peerId] ?? 0, ...fromOthers })}`)
    for (const peerId of Object.keys(result.peers)) {
      assert.ok(peerId === seeder.peerId || Object.values(others).some(n => n.peerId === peerId), `bytes from a stranger ${peerId}`)
    }
  }
})
