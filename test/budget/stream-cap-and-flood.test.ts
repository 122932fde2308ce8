/** Issue 16 (4): streams over the per-peer cap, and request + cancel floods. */
import { strict as assert } from 'node:assert'
import { test } from 'node:test'
import { MAX_STREAMS_PER_PEER, MAX_QUEUED_REQUESTS } from '../../src/swarm/provider/constants.js'
import { Attacker } from '../helpers/budget-attacker.js'
import { assertBounded, honestGet, seed } from '../helpers/budget-scenario.js'
import { MiB, TEST_TIMEOUT_MS, waitFor } from '../helpers/swarm.js'

test('streams over the cap are all reset, none left unanswered; 128 rejects for a flood and the stream is reset', { timeout: TEST_TIMEOUT_MS }, async () => {
  const s = await seed(4 * MiB, 256 * 1024)
  const [capped, flooder] = await Attacker.many(2) as [Attacker, Attacker]
  try {
    const addr = s.seeder.addrs()[0]!
    const over = 300
    const tally = await capped.overCap(addr, s.cid, MAX_STREAMS_PER_PEER + over)
    assert.equal(tally.silent, 0, `no stream left without an answer (${JSON.stringify(tally)})`)
    assert.equal(tally.answered, MAX_STREAMS_PER_PEER)
    assert.equal(tally.reset, over)

    const rejects = await flooder.rejectFlood(addr, s.cid, 2_000)
    assert.ok(rejects > 0 && rejects <= MAX_QUEUED_REQUESTS + 1, `${rejects} rejects before the reset`)
    await waitFor('the flood fault', () => s.faults.get(flooder.peerId)?.includes('flood') === true)
    await honestGet(s)
  } finally {
    await capped.stop()
    await flooder.stop()
    await s.swarm.cleanup()
  }
})
