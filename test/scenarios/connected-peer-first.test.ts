/**
 * A node asks the peers it is already connected to before the DHT: a content one of them holds
 * is fetched from it without any DHT lookup (a lookup walks the routing table, dialling peers, and
 * would compete with a small download). Two nodes on loopback, B bootstrapped to A; A shares.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { join } from 'node:path'
import { parseLink } from '../../src/content/link.js'
import { GET_TIMEOUT_MS, hashFile, KiB, TEST_TIMEOUT_MS, TestSwarm, waitFor, writeRandomFile } from '../helpers/swarm.js'

const SIZE = KiB

test('a content a connected peer holds is fetched without a DHT lookup', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const swarm = new TestSwarm()
  t.after(async () => await swarm.cleanup())
  const source = join(await swarm.dir('source'), 'note.txt')
  const sourceHash = await writeRandomFile(source, SIZE)

  const a = await swarm.node('a')
  const shared = await a.share(source)
  const lookups: Array<{ ok: boolean, found: number }> = []
  const b = await swarm.node('b', { bootstrap: a.addrs() }, { lookup: e => lookups.push(e) })
  await waitFor('B to connect to A', () => b.connectedPeers().includes(a.peerId))
  assert.equal(parseLink(shared.cid).peers.length, 0, 'a bare CID carries no address')

  const result = await b.get(shared.cid, { output: await swarm.dir('downloads'), timeoutMs: GET_TIMEOUT_MS })
  assert.equal(await hashFile(result.path), sourceHash, 'downloaded bytes differ from the shared ones')
  assert.deepEqual(result.peers, { [a.peerId]: SIZE }, 'A, already connected, served every byte')
  // A lookup once started reports when it ends, found or aborted: stopping B ends any still running.
  await b.stop()
  assert.deepEqual(lookups, [], 'no DHT lookup was made')
})
