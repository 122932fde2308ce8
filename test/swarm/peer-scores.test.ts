import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { PeerScores } from '../../src/swarm/common/peer-scores.js'
import { CandidatePool } from '../../src/swarm/requester/candidate-pool.js'
import { BAN_MS } from '../../src/swarm/common/constants.js'
import { MAX_PEERS_PER_DOWNLOAD, RETRY_ENDED_MS, RETRY_NOT_FOUND_MAX_MS, RETRY_NOT_FOUND_MS } from '../../src/swarm/requester/constants.js'

test('one wrong piece bans a peer for BAN_MS, then the ban lifts', () => {
  let now = 1_000
  const scores = new PeerScores(() => now)
  const banned: string[] = []
  scores.onBan(id => banned.push(id))
  scores.fault('liar', 'bad-piece')
  assert.ok(scores.isBanned('liar'))
  assert.deepEqual(scores.banned(), ['liar'])
  assert.deepEqual(banned, ['liar'])
  assert.ok(!scores.isBanned('honest'))
  now += BAN_MS + 1
  assert.ok(!scores.isBanned('liar'))
  assert.equal(scores.score('liar'), 0)
})

test('timeouts alone take many faults to ban; protocol errors two', () => {
  const scores = new PeerScores(() => 0)
  for (let i = 0; i < 9; i++) scores.fault('slow', 'timeout')
  assert.ok(!scores.isBanned('slow'))
  scores.fault('slow', 'timeout')
  assert.ok(scores.isBanned('slow'))
  scores.fault('rude', 'protocol-error')
  assert.ok(!scores.isBanned('rude'))
  scores.fault('rude', 'protocol-error')
  assert.ok(scores.isBanned('rude'))
})

test('candidate pool: connects each peer once, retries a peer without the content later, caps concurrency', () => {
  let now = 0
  const pool = new CandidatePool(() => now)
  assert.ok(pool.add('a'))
  assert.ok(!pool.add('a'))
  assert.deepEqual(pool.takeReady(), ['a'])
  assert.deepEqual(pool.takeReady(), [], 'a is connecting')
  pool.notFound('a')
  assert.deepEqual(pool.takeReady(), [])
  now += RETRY_NOT_FOUND_MS
  assert.deepEqual(pool.takeReady(), ['a'])
  pool.connected('a')
  for (let i = 0; i < MAX_PEERS_PER_DOWNLOAD + 10; i++) pool.add(`p${i}`)
  assert.equal(pool.takeReady().length, MAX_PEERS_PER_DOWNLOAD - 1)
})

test('candidate pool: a peer that ended its session is left alone for a while, whatever news of it comes', () => {
  let now = 0
  const pool = new CandidatePool(() => now)
  pool.add('gone')
  pool.takeReady()
  pool.connected('gone')
  pool.ended('gone')
  assert.ok(!pool.add('gone'), 'peer exchange names it again')
  now += RETRY_ENDED_MS - 1
  assert.deepEqual(pool.takeReady(), [])
  now += 1
  assert.deepEqual(pool.takeReady(), ['gone'])
  pool.failed('gone')
  now += RETRY_ENDED_MS
  assert.deepEqual(pool.takeReady(), [], 'its dial failed: it waits longer still')
})

test('candidate pool: failures back off longer each time', () => {
  let now = 0
  const pool = new CandidatePool(() => now)
  pool.add('x')
  pool.takeReady()
  pool.failed('x')
  now += 5_000
  assert.deepEqual(pool.takeReady(), ['x'])
  pool.failed('x')
  now += 5_000
  assert.deepEqual(pool.takeReady(), [], 'second failure waits longer')
  now += 5_000
  assert.deepEqual(pool.takeReady(), ['x'])
})

test('candidate pool: a peer that keeps lacking the content is asked less and less often', () => {
  let now = 0
  const pool = new CandidatePool(() => now)
  pool.add('empty')
  const askedAt: number[] = []
  // Ask whenever the pool offers the peer, over two minutes; it answers not-found every time.
  for (; now <= 120_000; now += 250) {
    if (pool.takeReady().includes('empty')) {
      askedAt.push(now)
      pool.notFound('empty')
    }
  }
  const gaps = askedAt.slice(1).map((at, i) => at - (askedAt[i] as number))
  assert.equal(gaps[0], RETRY_NOT_FOUND_MS)
  for (let i = 1; i < gaps.length; i++) assert.ok((gaps[i] as number) >= (gaps[i - 1] as number), `gap ${i} does not shrink`)
  assert.ok((gaps[2] as number) >= 4 * RETRY_NOT_FOUND_MS, 'the third gap is at least four times the first')
  assert.ok(gaps.every(g => g <= RETRY_NOT_FOUND_MAX_MS))
  assert.ok(askedAt.length <= 8, `asked ${askedAt.length} times in two minutes`)
})

test('candidate pool: news of a peer that lacked the content makes it worth asking at once; having it resets the backoff', () => {
  let now = 0
  const pool = new CandidatePool(() => now)
  pool.add('leecher')
  for (let i = 0; i < 4; i++) {
    now += RETRY_NOT_FOUND_MAX_MS
    assert.deepEqual(pool.takeReady(), ['leecher'])
    pool.notFound('leecher')
  }
  now += 1
  assert.deepEqual(pool.takeReady(), [], 'backing off')
  pool.add('leecher') // it just asked us for the same content
  assert.deepEqual(pool.takeReady(), ['leecher'])
  pool.connected('leecher')
  pool.ended('leecher')
  now += RETRY_ENDED_MS
  assert.deepEqual(pool.takeReady(), ['leecher'])
  pool.notFound('leecher')
  now += RETRY_NOT_FOUND_MS
  assert.deepEqual(pool.takeReady(), ['leecher'], 'a peer that had the content starts its backoff again')
})
