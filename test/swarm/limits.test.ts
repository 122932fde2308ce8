/**
 * The swarm's bounds, each at its limit (the last allowed case passes, one past is refused):
 * piece timeouts and the stall window (stall-guard), the provider's per-stream flood bounds
 * (flood-guard), the download rate limit (request-budget), fault costs and credit (peer-scores),
 * the provider's request queue, the handshake timeout, the size of a network key file.
 */
import { describe, test } from 'node:test'
import * as assert from 'node:assert/strict'
import { ErrorCode } from '../../src/errors.js'
import { generateNetworkKey, MAX_NETWORK_KEY_FILE_BYTES, parseNetworkKey } from '../../src/net/network-key.js'
import { HANDSHAKE_TIMEOUT_MS } from '../../src/swarm/common/constants.js'
import { MAX_QUEUED_REQUESTS } from '../../src/swarm/provider/constants.js'
import { PIECE_TIMEOUT_MS } from '../../src/swarm/requester/constants.js'
import { faultOf, PeerStalled } from '../../src/swarm/common/faults.js'
import type { MessageChannel } from '../../src/swarm/common/message-channel.js'
import { withTimeout } from '../../src/swarm/requester/peer-session.js'
import { MemoryBudget } from '../../src/budget/memory-budget.js'
import { RequestQueue } from '../../src/swarm/provider/request-queue.js'
import type { SwarmContent } from '../../src/swarm/common/swarm-content.js'
import {
  FloodGuard, MAX_HASH_REQUESTS_PER_FILE, MAX_MANIFEST_REQUESTS_PER_STREAM, MAX_OVERFLOW_REJECTS, PEER_REQUEST_BURST,
  PEER_REQUESTS_PER_SECOND, RequesterFlood
} from '../../src/swarm/provider/flood-guard.js'
import { BAN_SCORE, FAULT_COST, GOOD_PIECE_CREDIT, PeerScores } from '../../src/swarm/common/peer-scores.js'
import { RequestBudget } from '../../src/swarm/requester/request-budget.js'
import {
  MIN_PIECE_BYTES_PER_SECOND, PIECE_TIMEOUT_BASE_MS, pieceTimeoutMs, STALL_MIN_BYTES, STALL_WINDOW_MS, StallGuard, type WatchedSession
} from '../../src/swarm/requester/stall-guard.js'
import { BURST_SECONDS } from '../../src/swarm/common/token-bucket.js'

const KiB = 1024
const MiB = 1024 * KiB

class FakeSession implements WatchedSession {
  inFlight = new Map<number, number>()
  lastPieceAt = 0
  bytesIn = 0
}

describe('stall guard', () => {
  test('a piece timeout grows with the piece size, within PIECE_TIMEOUT_MS', () => {
    assert.equal(pieceTimeoutMs(16 * KiB), PIECE_TIMEOUT_BASE_MS + 1000)
    assert.equal(pieceTimeoutMs(MIN_PIECE_BYTES_PER_SECOND * 10), PIECE_TIMEOUT_BASE_MS + 10_000)
    assert.equal(pieceTimeoutMs(16 * MiB), PIECE_TIMEOUT_MS)
    assert.ok(pieceTimeoutMs(MiB) > pieceTimeoutMs(64 * KiB))
  })

  test('a piece is late one millisecond after its timeout, counted from the request or the last delivery', () => {
    const guard = new StallGuard()
    const session = new FakeSession()
    const size = 16 * KiB
    const limit = pieceTimeoutMs(size)
    session.inFlight.set(7, 1_000)
    session.bytesIn = 10 * KiB
    assert.deepEqual(guard.check(session, 1_000 + limit, () => size).late, [])
    assert.deepEqual(guard.check(session, 1_000 + limit + 1, () => size).late, [7])
    // A piece queued behind others is not late while the ones ahead keep arriving.
    session.lastPieceAt = 1_000 + limit
    assert.deepEqual(guard.check(session, 1_000 + limit + 1, () => size).late, [])
    assert.deepEqual(guard.check(session, 1_000 + 2 * limit + 1, () => size).late, [7])
  })

  test(`a late piece is the peer's fault only when no byte came for ${PIECE_TIMEOUT_BASE_MS} ms (a congested peer is still sending)`, () => {
    const guard = new StallGuard()
    const session = new FakeSession()
    const size = 64 * KiB
    const limit = pieceTimeoutMs(size)
    session.inFlight.set(3, 0)
    assert.equal(guard.check(session, 0, () => size).silent, false)
    for (let t = 1_000; t <= limit + 1; t += 1_000) {
      session.bytesIn += 1_000
      guard.check(session, t, () => size)
    }
    const congested = guard.check(session, limit + 1, () => size)
    assert.deepEqual(congested.late, [3], 'the piece goes to another peer')
    assert.equal(congested.silent, false, 'but a peer still sending is not at fault')
    assert.equal(guard.check(session, limit + 1 + PIECE_TIMEOUT_BASE_MS, () => size).silent, true, 'no byte for the base timeout')
  })

  test(`a session with requests waiting is stalled after ${STALL_WINDOW_MS} ms with fewer than ${STALL_MIN_BYTES} bytes`, () => {
    for (const [bytes, stalled] of [[STALL_MIN_BYTES - 1, true], [STALL_MIN_BYTES, false]] as const) {
      const guard = new StallGuard()
      const session = new FakeSession()
      session.inFlight.set(0, 0)
      assert.equal(guard.check(session, 0, () => 1).stalled, false)
      session.bytesIn += bytes
      assert.equal(guard.check(session, STALL_WINDOW_MS - 1, () => 1).stalled, false, 'not before the window ends')
      assert.equal(guard.check(session, STALL_WINDOW_MS, () => 1).stalled, stalled, `${bytes} bytes in a window`)
    }
  })

  test(`requests given to others before a window ends still add up: a peer that never sends is stalled after ${STALL_WINDOW_MS} ms of waiting in all`, () => {
    const guard = new StallGuard()
    const session = new FakeSession()
    const part = STALL_WINDOW_MS / 4
    let now = 0
    guard.check(session, now, () => 1)
    for (let round = 0; round < 3; round++) {
      session.inFlight.set(round, now)
      now += part
      assert.equal(guard.check(session, now, () => 1).stalled, false, `round ${round}: not yet`)
      session.inFlight.clear() // another peer delivered it first: the request is cancelled
      now += STALL_WINDOW_MS // idle time does not count
      assert.equal(guard.check(session, now, () => 1).stalled, false, 'idle')
    }
    session.inFlight.set(9, now)
    assert.equal(guard.check(session, now + part - 1, () => 1).stalled, false)
    assert.equal(guard.check(session, now + part, () => 1).stalled, true, 'four quarter windows of silence')
    // The same with a peer that does send: its bytes restart the count.
    const honest = new FakeSession()
    const guard2 = new StallGuard()
    now = 0
    guard2.check(honest, now, () => 1)
    for (let round = 0; round < 8; round++) {
      honest.inFlight.set(round, now)
      now += part
      honest.bytesIn += STALL_MIN_BYTES
      assert.equal(guard2.check(honest, now, () => 1).stalled, false, `round ${round}: it sends`)
      honest.inFlight.clear()
    }
  })

  test('an idle session (nothing requested) is never stalled, and its window starts with the first request', () => {
    const guard = new StallGuard()
    const session = new FakeSession()
    assert.equal(guard.check(session, 0, () => 1).stalled, false)
    assert.equal(guard.check(session, 10 * STALL_WINDOW_MS, () => 1).stalled, false)
    session.inFlight.set(1, 10 * STALL_WINDOW_MS)
    assert.equal(guard.check(session, 11 * STALL_WINDOW_MS - 1, () => 1).stalled, false)
    assert.equal(guard.check(session, 11 * STALL_WINDOW_MS, () => 1).stalled, true)
  })
})

describe('flood guard (per provider stream)', () => {
  const expectFlood = (fn: () => void): void => assert.throws(fn, RequesterFlood)

  test(`get-manifest: ${MAX_MANIFEST_REQUESTS_PER_STREAM} answered, one more is a flood`, () => {
    const guard = new FloodGuard()
    for (let i = 0; i < MAX_MANIFEST_REQUESTS_PER_STREAM; i++) guard.check({ type: 'get-manifest' })
    expectFlood(() => guard.check({ type: 'get-manifest' }))
  })

  test(`get-hashes: ${MAX_HASH_REQUESTS_PER_FILE} per file, any number of files`, () => {
    const guard = new FloodGuard()
    for (let file = 0; file < 1000; file++) {
      for (let i = 0; i < MAX_HASH_REQUESTS_PER_FILE; i++) guard.check({ type: 'get-hashes', file })
    }
    expectFlood(() => guard.check({ type: 'get-hashes', file: 999 }))
  })

  test(`get-peers: a burst of ${PEER_REQUEST_BURST}, then ${PEER_REQUESTS_PER_SECOND} per second`, () => {
    let now = 0
    const guard = new FloodGuard(() => now)
    for (let i = 0; i < PEER_REQUEST_BURST; i++) guard.check({ type: 'get-peers' })
    expectFlood(() => guard.check({ type: 'get-peers' }))
    const again = new FloodGuard(() => now)
    for (let i = 0; i < PEER_REQUEST_BURST; i++) again.check({ type: 'get-peers' })
    now += 1000 / PEER_REQUESTS_PER_SECOND
    again.check({ type: 'get-peers' })
    expectFlood(() => again.check({ type: 'get-peers' }))
  })

  test(`requests past the queue bound: ${MAX_OVERFLOW_REJECTS} rejected, one more is a flood`, () => {
    const guard = new FloodGuard()
    for (let i = 0; i < MAX_OVERFLOW_REJECTS; i++) guard.overflowed()
    expectFlood(() => guard.overflowed())
  })

  test('requests, cancels and the rest are not counted', () => {
    const guard = new FloodGuard()
    for (let i = 0; i < 100_000; i++) {
      guard.check({ type: 'request', piece: i })
      guard.check({ type: 'cancel', piece: i })
    }
  })
})

describe('download rate limit (request budget)', () => {
  test('over any stretch of time, requests stay within rate × time + burst + one piece', () => {
    let now = 0
    const rate = 256 * KiB
    const budget = new RequestBudget(rate, () => now)
    const piece = 64 * KiB
    let requested = 0
    for (let tick = 0; tick < 400; tick++) { // 400 ticks of 25 ms: 10 s
      for (let n = budget.allow(64, piece); n > 0; n--) {
        budget.spend(piece)
        requested += piece
      }
      now += 25
    }
    const elapsed = now / 1000
    assert.ok(requested <= rate * elapsed + budget.burst + piece, `requested ${requested} in ${elapsed} s at ${rate}/s`)
    assert.ok(requested >= rate * (elapsed - BURST_SECONDS) - piece, `requested only ${requested} in ${elapsed} s at ${rate}/s`)
  })

  test('nothing goes out while in debt; a piece larger than the burst still goes out when the debt is repaid', () => {
    let now = 0
    const budget = new RequestBudget(1000, () => now)
    assert.equal(budget.allow(10, 100_000), 1, 'a big piece passes at once')
    budget.spend(100_000)
    assert.equal(budget.allow(10, 100_000), 0)
    now += 99_000 // the debt is (100 000 - 250) bytes at 1000 B/s: 99.75 s
    assert.equal(budget.allow(10, 100_000), 0)
    now += 750
    assert.equal(budget.allow(10, 100_000), 1)
    assert.throws(() => new RequestBudget(0))
  })
})

describe('peer scores', () => {
  test('two stalls, two floods or two protocol errors ban; a bad piece bans at once', () => {
    for (const fault of ['stalled', 'flood', 'protocol-error'] as const) {
      const scores = new PeerScores(() => 0)
      scores.fault('p', fault)
      assert.ok(!scores.isBanned('p'), `banned after one ${fault}`)
      scores.fault('p', fault)
      assert.ok(scores.isBanned('p'), `not banned after two ${fault}s`)
    }
    assert.ok(FAULT_COST['bad-piece'] >= -BAN_SCORE)
  })

  test('verified pieces win back score, up to 0', () => {
    const scores = new PeerScores(() => 0)
    scores.fault('slow', 'timeout')
    for (let i = 0; i < FAULT_COST.timeout / GOOD_PIECE_CREDIT - 1; i++) scores.credit('slow')
    assert.equal(scores.score('slow'), -GOOD_PIECE_CREDIT)
    scores.credit('slow')
    scores.credit('slow')
    assert.equal(scores.score('slow'), 0)
    scores.credit('stranger')
    assert.equal(scores.score('stranger'), 0)
    // Nine timeouts, each followed by ten good pieces: never banned.
    for (let i = 0; i < 30; i++) {
      scores.fault('slow', 'timeout')
      for (let k = 0; k < FAULT_COST.timeout; k++) scores.credit('slow')
    }
    assert.ok(!scores.isBanned('slow'))
  })
})

describe('provider queue and timeouts', () => {
  test(`a stream queues ${MAX_QUEUED_REQUESTS} requests besides the one being sent; the next is rejected`, () => {
    const written: string[] = []
    const content = { // a disk that never answers
      readVerifiedPiece: async () => await new Promise<Uint8Array>(() => {}),
      layout: { locate: () => ({ length: 16 * 1024 }) }
    }
    const channel = { open: true, write: async (m: { type: string }) => { written.push(m.type) }, abort: () => {} }
    const queue = new RequestQueue(content as unknown as SwarmContent, channel as unknown as MessageChannel, 'peer', new MemoryBudget().open('peer', '127.0.0.1'))
    let accepted = 0
    while (queue.add(accepted)) accepted++
    assert.equal(accepted, MAX_QUEUED_REQUESTS + 1)
    assert.deepEqual(written, ['reject'])
    queue.clear()
  })

  test(`no answer within HANDSHAKE_TIMEOUT_MS (${HANDSHAKE_TIMEOUT_MS} ms) is a stall; an answer just in time is not`, async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] })
    let answer: (v: string) => void = () => {}
    const inTime = withTimeout(new Promise<string>(resolve => { answer = resolve }), HANDSHAKE_TIMEOUT_MS, 'no answer to open')
    t.mock.timers.tick(HANDSHAKE_TIMEOUT_MS - 1)
    answer('bitfield')
    assert.equal(await inTime, 'bitfield')
    const late = withTimeout(new Promise<string>(() => {}), HANDSHAKE_TIMEOUT_MS, 'no answer to open')
    t.mock.timers.tick(HANDSHAKE_TIMEOUT_MS)
    await assert.rejects(late, (err: unknown) => err instanceof PeerStalled && faultOf(err) === 'stalled')
  })

  test(`a network key file of ${MAX_NETWORK_KEY_FILE_BYTES} bytes is read; one byte more is refused`, () => {
    const key = generateNetworkKey()
    const padded = (n: number): Uint8Array => new TextEncoder().encode(key + '\n'.repeat(n - Buffer.byteLength(key)))
    assert.ok(parseNetworkKey(padded(MAX_NETWORK_KEY_FILE_BYTES)).byteLength > 0)
    assert.throws(() => parseNetworkKey(padded(MAX_NETWORK_KEY_FILE_BYTES + 1)), { code: ErrorCode.BadArgument })
  })
})
