/**
 * A user gets content by its bare content ID while connected to many peers none of which has it
 * (the usual case in a large DHT: a node holds a few dozen connections, the content lives on one
 * or two other peers). The download asks its connected peers first, hears `not-found` from all of
 * them, and must still find the sharer through the DHT and fetch everything from it. Eight nodes
 * on loopback, mDNS off: C is the bootstrap node, A shares, E1..E5 hold nothing, B gets.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { join } from 'node:path'
import type { ShoalNode } from '../../src/node/node.js'
import { GET_TIMEOUT_MS, hashFile, KiB, TEST_TIMEOUT_MS, TestSwarm, waitFor, writeRandomFile } from '../helpers/swarm.js'

const SIZE = 64 * KiB + 5
const EMPTY_PEERS = 5

test('a get among connected peers that all lack the content finds the sharer through the DHT', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const swarm = new TestSwarm()
  t.after(async () => await swarm.cleanup())
  const source = join(await swarm.dir('source'), 'report.bin')
  const sourceHash = await writeRandomFile(source, SIZE)

  const c = await swarm.node('c')
  const announced = new Set<string>()
  const a = await swarm.node('a', { bootstrap: c.addrs() }, { announce: e => { if (e.ok) announced.add(e.cid) } })
  await waitFor('A to connect to C', () => a.connectedPeers().includes(c.peerId))
  const shared = await a.share(source)
  await waitFor('A to announce the content', () => announced.has(shared.cid))

  const empties: ShoalNode[] = []
  for (let i = 1; i <= EMPTY_PEERS; i++) empties.push(await swarm.node(`e${i}`, { bootstrap: c.addrs() }))
  const b = await swarm.node('b', { bootstrap: empties.flatMap(e => e.addrs().slice(0, 1)) })
  await waitFor('B to connect to every empty peer', () => empties.every(e => b.connectedPeers().includes(e.peerId)))

  const result = await b.get(shared.cid, { output: await swarm.dir('downloads'), timeoutMs: GET_TIMEOUT_MS })
  assert.equal(await hashFile(result.path), sourceHash, 'downloaded bytes differ from the shared ones')
  assert.deepEqual(result.peers, { [a.peerId]: SIZE }, 'A served every byte; the empty peers none')
  assert.deepEqual(b.bannedPeers(), [], 'peers that lack the content are not punished for it')
  for (const e of empties) assert.equal(e.contentOf(shared.cid), undefined, `${e.peerId} never had the content`)
})
