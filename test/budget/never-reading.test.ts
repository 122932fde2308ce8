/** Issue 11 (2) and 16 (2): the largest pieces, the most streams and requests, and a requester that never reads. */
import { strict as assert } from 'node:assert'
import { test } from 'node:test'
import { MAX_STREAMS_PER_PEER, MAX_QUEUED_REQUESTS } from '../../src/swarm/provider/constants.js'
import { Attacker } from '../helpers/budget-attacker.js'
import { assertBounded, honestGet, seed } from '../helpers/budget-scenario.js'
import { MiB, TEST_TIMEOUT_MS, waitFor } from '../helpers/swarm.js'

test('16 MiB pieces × the most streams × the most requests, never reading: bounded, reset as stalled, and the honest get completes', { timeout: TEST_TIMEOUT_MS * 2 }, async () => {
  const s = await seed(3 * 16 * MiB, 16 * MiB)
  const attacker = await Attacker.start()
  try {
    const pressing = await attacker.press(s.seeder.addrs()[0]!, s.cid, { streams: MAX_STREAMS_PER_PEER, requests: MAX_QUEUED_REQUESTS, pieceCount: s.pieces })
    assert.equal(pressing, MAX_STREAMS_PER_PEER, 'every stream the spec allows got as far as asking')
    await waitFor('the seeder to hold a piece for the attacker', () => s.seeder.memory.byKind()['read-ahead'] > 0)
    await honestGet(s)
    await waitFor('stalled readers to be reset', () => s.seeder.memory.resets()['stalled-reader'] > 0, TEST_TIMEOUT_MS)
    await waitFor('the attacker to be scored stalled', () => s.faults.get(attacker.peerId)?.includes('stalled') === true)
    assertBounded(s)
    // One 16 MiB piece at a time for the attacker's identity (its peer budget), not 64 × 3 of them.
    assert.ok(s.seeder.memory.peak <= s.seeder.memory.limits.address, `peak ${s.seeder.memory.peak}`)
    await waitFor('everything to be given back', () => s.seeder.memory.bytes === 0 || attacker.tally.ended === attacker.tally.opened, TEST_TIMEOUT_MS)
  } finally {
    await attacker.stop()
    await s.swarm.cleanup()
  }
})

