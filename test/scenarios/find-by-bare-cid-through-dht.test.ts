/**
 * A user gets content by its bare content ID, with no address to start from: the DHT alone leads
 * to the sharer. Three nodes, mDNS off: C is a plain node (knows nothing of the content) that A and
 * B bootstrap to; A shares; B knows only C. A and B are never told each other's address.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { join } from 'node:path'
import { parseLink } from '../../src/content/link.js'
import { dhtProviders, GET_TIMEOUT_MS, hashFile, KiB, TEST_TIMEOUT_MS, TestSwarm, waitFor, writeRandomFile } from '../helpers/swarm.js'

const SIZE = 700 * KiB + 3

test('get by bare content ID, found through the DHT alone', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const swarm = new TestSwarm()
  t.after(async () => await swarm.cleanup())

  const source = join(await swarm.dir('source'), 'paper.pdf')
  const sourceHash = await writeRandomFile(source, SIZE)

  const c = await swarm.node('c')
  const bootstrap = c.addrs()
  const announced = new Set<string>()
  const a = await swarm.node('a', { bootstrap }, { announce: e => { if (e.ok) announced.add(e.cid) } })
  await waitFor('A to connect to its bootstrap peer C', () => a.connectedPeers().includes(c.peerId))
  const shared = await a.share(source)
  // The provider record is stored on C (A's only DHT peer) before B starts looking.
  await waitFor('A to announce the content in the DHT', () => announced.has(shared.cid))

  const b = await swarm.node('b', { bootstrap })
  assert.equal(parseLink(shared.cid).peers.length, 0, 'a bare CID carries no address')
  const result = await b.get(shared.cid, { output: await swarm.dir('downloads'), timeoutMs: GET_TIMEOUT_MS })

  assert.equal(await hashFile(result.path), sourceHash, 'downloaded bytes differ from the shared ones')
  assert.equal(result.bytes, SIZE)
  assert.deepEqual(result.peers, { [a.peerId]: SIZE }, 'A, found through the DHT, served every byte')
  assert.equal(result.publisher, a.peerId)
  // Not found some other way only: A's provider record itself is what the DHT gives for the CID.
  assert.ok((await dhtProviders(b, shared.cid)).includes(a.peerId), 'B finds A\'s provider record in the DHT')
})
