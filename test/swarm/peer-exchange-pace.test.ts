import { test } from 'node:test'
import { strict as assert } from 'node:assert'
import { PeerExchangePace } from '../../src/swarm/requester/peer-exchange-pace.js'
import { PEER_EXCHANGE_INTERVAL_MS, PEER_EXCHANGE_MAX_INTERVAL_MS } from '../../src/swarm/requester/constants.js'

/** The gaps between the rounds that `pace` lets through from `start`, with `learned(round)` new peers each. */
function gaps (pace: PeerExchangePace, rounds: number, learned: (round: number) => number): number[] {
  const at: number[] = []
  for (let now = 0; at.length < rounds; now += 100) {
    if (pace.due(now)) {
      at.push(now)
      pace.record(learned(at.length - 1), now)
    }
  }
  return at.slice(1).map((t, i) => t - (at[i] as number))
}

test('peer exchange runs every PEER_EXCHANGE_INTERVAL_MS while it brings new peers', () => {
  assert.deepEqual(gaps(new PeerExchangePace(), 5, () => 3), Array(4).fill(PEER_EXCHANGE_INTERVAL_MS))
})

test('rounds that bring nobody new double the pause, up to PEER_EXCHANGE_MAX_INTERVAL_MS; news resets it', () => {
  const g = gaps(new PeerExchangePace(), 10, round => round === 7 ? 1 : 0)
  const expected = [4_000, 8_000, 16_000, 30_000, 30_000, 30_000, 30_000, 2_000, 4_000]
  assert.deepEqual(g, expected)
  assert.equal(Math.max(...g), PEER_EXCHANGE_MAX_INTERVAL_MS)
})
