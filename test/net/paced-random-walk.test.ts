/**
 * The paced random walk: it yields what each DHT query finds, waits between queries (longer and
 * longer while they meet nobody new, short again after a new peer), ends when its signal aborts
 * or the node stops, and is what a Shoal libp2p node's services get as their random walk.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PeerId, PeerInfo, PeerRouting } from '@libp2p/interface'
import { PacedRandomWalk } from '../../src/net/paced-random-walk.js'
import { WALK_PAUSE_MAX_MS, WALK_PAUSE_MIN_MS } from '../../src/net/constants.js'
import { createNetwork } from '../../src/net/libp2p.js'

async function peerIds (n: number): Promise<PeerId[]> {
  return await Promise.all(Array.from({ length: n }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))))
}

/** A peer routing whose queries each answer at once with what `answer(query number)` says. */
function routing (answer: (query: number) => PeerId[]): { routing: PeerRouting, queries: () => number } {
  let queries = 0
  const r: Partial<PeerRouting> = {
    async * getClosestPeers (): AsyncGenerator<PeerInfo> {
      const n = queries++
      for (const id of answer(n)) yield { id, multiaddrs: [] }
    }
  }
  return { routing: r as PeerRouting, queries: () => queries }
}

/** Lets the walk's promises run (timers are mocked; setImmediate is not). */
const settle = async (): Promise<void> => { for (let i = 0; i < 5; i++) await new Promise(resolve => setImmediate(resolve)) }

test('the walk waits between queries, doubling while they meet nobody new and short again after a new peer', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] })
  const [a, b] = await peerIds(2) as [PeerId, PeerId]
  // Queries 0-4 find only a; query 5 finds b as well.
  const r = routing(n => n < 5 ? [a] : [a, b])
  const walk = new PacedRandomWalk({ peerRouting: r.routing })
  walk.start()
  const it = walk.walk()
  assert.equal((await it.next()).value?.id.toString(), a.toString())
  assert.equal(r.queries(), 1)

  // The first query met a new peer: the next starts WALK_PAUSE_MIN_MS later, not before.
  const second = it.next()
  await settle()
  t.mock.timers.tick(WALK_PAUSE_MIN_MS - 1)
  await settle()
  assert.equal(r.queries(), 1, 'no query before the pause is over')
  t.mock.timers.tick(1)
  assert.equal((await second).value?.id.toString(), a.toString())
  assert.equal(r.queries(), 2)

  // Queries that meet nobody new: the pause doubles each time.
  for (const pause of [2 * WALK_PAUSE_MIN_MS, 4 * WALK_PAUSE_MIN_MS, 8 * WALK_PAUSE_MIN_MS]) {
    const before = r.queries()
    const next = it.next()
    await settle()
    t.mock.timers.tick(pause - 1)
    await settle()
    assert.equal(r.queries(), before, `still waiting ${pause - 1} ms into a ${pause} ms pause`)
    t.mock.timers.tick(1)
    await next
    assert.equal(r.queries(), before + 1)
  }
  // Query 5 (after a pause of 16 × the minimum) meets b: the pause after it is the minimum again.
  const nextA = it.next()
  await settle()
  t.mock.timers.tick(16 * WALK_PAUSE_MIN_MS)
  assert.equal((await nextA).value?.id.toString(), a.toString())
  assert.equal((await it.next()).value?.id.toString(), b.toString())
  const after = it.next()
  await settle()
  t.mock.timers.tick(WALK_PAUSE_MIN_MS)
  await after
  assert.equal(r.queries(), 7)
  walk.stop()
})

test('the pause stops growing at WALK_PAUSE_MAX_MS, and a walk with no peers at all waits too', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] })
  const r = routing(() => [])
  const walk = new PacedRandomWalk({ peerRouting: r.routing })
  walk.start()
  const controller = new AbortController()
  const pending = walk.walk({ signal: controller.signal }).next()
  await settle()
  assert.equal(r.queries(), 1)
  let pause = WALK_PAUSE_MIN_MS
  for (let i = 0; i < 12; i++) {
    pause = Math.min(2 * pause, WALK_PAUSE_MAX_MS)
    t.mock.timers.tick(pause - 1)
    await settle()
    assert.equal(r.queries(), i + 1)
    t.mock.timers.tick(1)
    await settle()
    assert.equal(r.queries(), i + 2)
  }
  assert.equal(pause, WALK_PAUSE_MAX_MS)
  controller.abort()
  await assert.rejects(pending, { name: 'AbortError' })
  walk.stop()
})

test('stopping the node ends a walk that is waiting', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] })
  const [a] = await peerIds(1) as [PeerId]
  const walk = new PacedRandomWalk({ peerRouting: routing(() => [a]).routing })
  walk.start()
  const it = walk.walk()
  await it.next()
  const waiting = it.next()
  await settle()
  walk.stop()
  await assert.rejects(waiting, { name: 'AbortError' })
})

test("a Shoal libp2p node's services walk with the paced walk", async () => {
  const node = await createNetwork({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false })
  try {
    assert.ok((node as unknown as { components: { randomWalk: unknown } }).components.randomWalk instanceof PacedRandomWalk)
  } finally {
    await node.stop()
  }
})
