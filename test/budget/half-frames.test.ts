/** Issue 16 (1): frames begun and never finished. */
import { strict as assert } from 'node:assert'
import { test } from 'node:test'
import { MAX_STREAMS_PER_PEER } from '../../src/swarm/provider/constants.js'
import { Attacker } from '../helpers/budget-attacker.js'
import { assertBounded, honestGet, seed } from '../helpers/budget-scenario.js'
import { MiB, TEST_TIMEOUT_MS, waitFor } from '../helpers/swarm.js'

test('half-sent frames: a maximum-size frame is refused from its header, a small one left unfinished is reset at its deadline', { timeout: TEST_TIMEOUT_MS * 2 }, async () => {
  const s = await seed(8 * MiB, MiB)
  const [huge, small] = await Attacker.many(2) as [Attacker, Attacker]
  try {
    const addr = s.seeder.addrs()[0]!
    await Promise.all([
      huge.halfFrames(addr, s.cid, MAX_STREAMS_PER_PEER),
      small.halfFrames(addr, s.cid, MAX_STREAMS_PER_PEER, { frameBytes: 200 })
    ])
    await honestGet(s)
    await waitFor('the huge frames to cost a protocol error', () => s.faults.get(huge.peerId)?.includes('protocol-error') === true)
    await waitFor('the unfinished frames to be reset at their deadline', () => s.seeder.memory.resets()['partial-frame'] > 0)
    await waitFor('the unfinished frames to cost a stall', () => s.faults.get(small.peerId)?.includes('stalled') === true)
    await waitFor('every half-frame stream to be ended', () => huge.tally.ended === huge.tally.opened && small.tally.ended === small.tally.opened)
    assertBounded(s)
  } finally {
    await huge.stop()
    await small.stop()
    await s.swarm.cleanup()
  }
})

