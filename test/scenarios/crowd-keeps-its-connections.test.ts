/**
 * A crowd keeps the libp2p connections it opened: at most two opened per pair of peers (when they
 * dial each other at the same moment), and of those only one left once the other is idle; none
 * torn down and dialled again while both peers run; every copy verifies. Liveness pings do not
 * tear down live connections: the connection monitor's and the DHT's pings may meet on one
 * connection (docs/benchmarks.md, round 6).
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { join } from 'node:path'
import type { Connection } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { ShoalLibp2p } from '../../src/net/libp2p.js'
import type { ShoalNode } from '../../src/node/node.js'
import { DIRECT_MIN_BYTES } from '../../src/swarm/requester/constants.js'
import { GET_TIMEOUT_MS, hashFile, MiB, TEST_TIMEOUT_MS, TestSwarm, waitFor, writeRandomFile } from '../helpers/swarm.js'

const SIZE = DIRECT_MIN_BYTES + 4 * MiB + 321
const LEECHERS = ['ana', 'ben', 'cy', 'dot']
/** The liveness monitor's pings (up to two overlapping) and the DHT's, all on one connection at once. */
const PINGS_AT_ONCE = 3

function libp2pOf (node: ShoalNode): ShoalLibp2p {
  return (node as unknown as { libp2p: ShoalLibp2p }).libp2p
}

/** Every libp2p connection a node opens or accepts, by remote peer, and those whose close left it without a connection to that peer. */
function recordConnections (node: ShoalNode): { opened: Map<string, number>, closed: Connection[] } {
  const opened = new Map<string, number>()
  const closed: Connection[] = []
  const libp2p = libp2pOf(node)
  libp2p.addEventListener('connection:open', evt => {
    const peer = evt.detail.remotePeer.toString()
    opened.set(peer, (opened.get(peer) ?? 0) + 1)
  })
  // A connection closed while another with the same peer stays open is a duplicate given up, not a tear-down.
  libp2p.addEventListener('connection:close', evt => {
    if (libp2p.getConnections(evt.detail.remotePeer).every(c => c === evt.detail || c.status !== 'open')) closed.push(evt.detail)
  })
  return { opened, closed }
}

test('pings that meet on one connection all succeed and leave the connection up', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const swarm = new TestSwarm()
  t.after(async () => await swarm.cleanup())
  const a = await swarm.node('a')
  const b = await swarm.node('b')
  await a.connect(b.addrs()[0] as string)
  const libp2p = libp2pOf(a)
  const peer = peerIdFromString(b.peerId)
  const [connection] = libp2p.getConnections(peer)
  assert.ok(connection !== undefined)
  const rtts = await Promise.all(Array.from({ length: PINGS_AT_ONCE }, async () => await libp2p.services.ping.ping(peer, { signal: AbortSignal.timeout(10_000) })))
  assert.equal(rtts.length, PINGS_AT_ONCE)
  assert.equal(connection.status, 'open', 'the connection the pings ran on is still open')
  assert.deepEqual(libp2p.getConnections(peer).map(c => c.id), [connection.id], 'no second connection was dialled')
})

/** Open unlimited connections between two nodes, as `a` sees them. */
function openBetween (a: ShoalNode, b: ShoalNode): Connection[] {
  return libp2pOf(a).getConnections(peerIdFromString(b.peerId)).filter(c => c.status === 'open' && c.limits === undefined)
}

test('two peers that dial each other at once end with one connection, and both keep it', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const swarm = new TestSwarm()
  t.after(async () => await swarm.cleanup())
  const a = await swarm.node('a')
  const b = await swarm.node('b')
  const seen = [recordConnections(a), recordConnections(b)]
  await Promise.all([a.connect(b.addrs()[0] as string), b.connect(a.addrs()[0] as string)])
  // Both dials were under way before either finished: each end sees two connections open...
  await waitFor('both simultaneous dials to finish', () => seen.every(r => [...r.opened.values()].reduce((n, c) => n + c, 0) === 2))
  // ...and, once the extra one is idle, both close the same one.
  await waitFor('one connection left between a and b', () => openBetween(a, b).length === 1 && openBetween(b, a).length === 1)
  await libp2pOf(a).services.ping.ping(peerIdFromString(b.peerId), { signal: AbortSignal.timeout(10_000) })
  await libp2pOf(b).services.ping.ping(peerIdFromString(a.peerId), { signal: AbortSignal.timeout(10_000) })
  assert.deepEqual([openBetween(a, b).length, openBetween(b, a).length], [1, 1], 'the pings used the connection that was kept')
  assert.deepEqual(seen.map(r => r.closed.length), [0, 0], 'neither end was left without a connection')
})

test('a crowd downloads over one connection per pair of peers and every copy verifies', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const swarm = new TestSwarm()
  t.after(async () => await swarm.cleanup())
  const source = join(await swarm.dir('source'), 'crowd.bin')
  const hash = await writeRandomFile(source, SIZE)
  const seeder = await swarm.node('seeder')
  const records = new Map<ShoalNode, ReturnType<typeof recordConnections>>([[seeder, recordConnections(seeder)]])
  const shared = await seeder.share(source)
  const leechers: ShoalNode[] = []
  for (const name of LEECHERS) {
    const node = await swarm.node(name)
    records.set(node, recordConnections(node))
    leechers.push(node)
  }
  const results = await Promise.all(leechers.map(async (node, i) =>
    await node.get(shared.link, { output: await swarm.dir(`out-${LEECHERS[i] as string}`), timeoutMs: GET_TIMEOUT_MS })))

  for (const [i, result] of results.entries()) {
    assert.equal(await hashFile(result.path), hash, `${LEECHERS[i] as string}: the copy differs from the shared file`)
    assert.equal(result.received, SIZE, `${LEECHERS[i] as string}: no piece fetched twice`)
  }
  const nodes = [seeder, ...leechers]
  for (const node of nodes) {
    const { opened, closed } = records.get(node) as ReturnType<typeof recordConnections>
    const among = closed.filter(c => nodes.some(n => n.peerId === c.remotePeer.toString()))
    assert.deepEqual(among.map(c => c.remotePeer.toString()), [], 'no connection between two running peers was torn down')
    for (const [peer, count] of opened) {
      assert.ok(count <= 2, `${count} libp2p connections between ${node.peerId} and ${peer} (one, or two after a simultaneous dial)`)
    }
  }
  await waitFor('one connection per pair of peers', () => nodes.every(a => nodes.every(b => a === b || openBetween(a, b).length <= 1)))
})
