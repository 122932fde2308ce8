/** Issue 11 (3): twenty peer identities on one host, each doing the worst the protocol allows. */
import { strict as assert } from 'node:assert'
import { test } from 'node:test'
import { MAX_STREAMS_PER_PEER, MAX_QUEUED_REQUESTS } from '../../src/swarm/provider/constants.js'
import { Attacker } from '../helpers/budget-attacker.js'
import { assertBounded, honestGet, seed } from '../helpers/budget-scenario.js'
import { MiB, TEST_TIMEOUT_MS, waitFor } from '../helpers/swarm.js'

test('20 identities on one host, each with the most streams and requests: the address budget holds them all, and the honest get completes', { timeout: TEST_TIMEOUT_MS * 4 }, async () => {
  // 1,280 streams and their attackers in this one process: generous on a loaded machine.
  const s = await seed(8 * MiB, MiB)
  const attackers = await Attacker.many(20)
  try {
    // Connected first, as a botnet would: under the attack, new handshakes wait their turn.
    for (let i = 0; i < attackers.length; i += 5) await Promise.all(attackers.slice(i, i + 5).map(async a => await a.connect(s.seeder.addrs()[0]!)))
    const pressing = await Promise.all(attackers.map(async a => await a.press(s.seeder.addrs()[0]!, s.cid, { streams: MAX_STREAMS_PER_PEER, requests: MAX_QUEUED_REQUESTS, pieceCount: s.pieces })))
    assert.ok(pressing.every(n => n > 0), `streams asking, per identity: ${pressing.join(', ')}`)
    await honestGet(s)
    // Stalled readers are reset (then, scored twice, the identity is banned and all its streams go);
    // libp2p's connection monitor may also end a clogged connection whose pings time out.
    await waitFor('a stalled reader to be reset', () => s.seeder.memory.resets()['stalled-reader'] > 0 || [...s.faults.values()].some(f => f.includes('stalled')), TEST_TIMEOUT_MS)
    // All 21 peers share 127.0.0.1: together they never held more than one address may. The
    // process also holds the 20 attackers and their 1,280 streams (RSS 430 MiB seen under load);
    // unbounded, 20 × 64 streams × 3 pieces read ahead would be 3.75 GiB of pieces.
    assertBounded(s, s.seeder.memory.limits.address, 640 * MiB)
  } finally {
    await Promise.all(attackers.map(async a => await a.stop()))
    await s.swarm.cleanup()
  }
})

