/** The hooks the daemon uses: pieces wanted first (the HTTP gateway), a ban by hand, fault events. */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { Bitfield } from '../../src/swarm/wire/bitfield.js'
import { MAX_PRIORITY_PIECES, PiecePicker, type PickablePeer } from '../../src/swarm/requester/piece-picker.js'
import { PeerScores } from '../../src/swarm/common/peer-scores.js'
import { BAN_MS } from '../../src/swarm/common/constants.js'

function peer (pieces: number[]): PickablePeer & { inFlight: Map<number, number> } {
  const set = new Set(pieces)
  return { hasPiece: (i: number) => set.has(i), inFlight: new Map() }
}

test('prioritized pieces are picked first, in order, ahead of rarer ones', () => {
  const picker = new PiecePicker(new Bitfield(100))
  const everything = peer([...Array(100).keys()])
  const rare = peer([0, 1, 2])
  picker.addPeerPieces(everything)
  picker.addPeerPieces(rare)
  picker.prioritize([97, 98, 99])
  assert.deepEqual(picker.pick(everything, 2), [97, 98])
  // The third is still first in line, then rarest-first resumes (3..99 are rarer than 0..2).
  const next = picker.pick(everything, 2)
  assert.equal(next[0], 99)
  assert.ok(next[1]! >= 3, `expected a rare piece after the priority, got ${next[1]}`)
})

test('a newer priority goes ahead of an older one; pieces we have or the peer lacks are skipped', () => {
  const have = new Bitfield(10)
  have.set(5)
  const picker = new PiecePicker(have)
  const p = peer([1, 2, 3, 4, 5, 6])
  picker.addPeerPieces(p)
  picker.prioritize([1, 2])
  picker.prioritize([9, 5, 3])
  // 9: the peer lacks it; 5: we have it; then 3 (newest), then 1, 2 (older).
  assert.deepEqual(picker.pick(p, 3), [3, 1, 2])
})

test('a prioritized piece already requested is not requested twice outside the endgame', () => {
  const picker = new PiecePicker(new Bitfield(20))
  const a = peer([...Array(20).keys()])
  const b = peer([...Array(20).keys()])
  picker.addPeerPieces(a)
  picker.addPeerPieces(b)
  picker.prioritize([7])
  assert.deepEqual(picker.pick(a, 1), [7])
  assert.ok(!picker.pick(b, 5).includes(7))
})

test('the priority list is bounded', () => {
  const size = MAX_PRIORITY_PIECES * 2
  const picker = new PiecePicker(new Bitfield(size))
  const p = peer([...Array(size).keys()])
  picker.addPeerPieces(p)
  picker.prioritize([...Array(size).keys()].reverse())
  const picked = picker.pick(p, size)
  // The first MAX_PRIORITY_PIECES come in the prioritized order (size-1 down), the rest rarest-first.
  assert.deepEqual(picked.slice(0, 3), [size - 1, size - 2, size - 3])
  assert.equal(picked.length, size)
})

test('a ban by hand bans at once, tells ban listeners, and lasts BAN_MS', () => {
  let now = 0
  const scores = new PeerScores(() => now)
  const banned: string[] = []
  scores.onBan(id => banned.push(id))
  scores.ban('pest')
  scores.ban('pest')
  assert.ok(scores.isBanned('pest'))
  assert.deepEqual(banned, ['pest'], 'one notification per ban')
  now += BAN_MS + 1
  assert.ok(!scores.isBanned('pest'))
})

test('fault listeners hear every fault', () => {
  const scores = new PeerScores(() => 0)
  const heard: string[] = []
  const stop = scores.onFault((id, fault) => heard.push(`${id}:${fault}`))
  scores.fault('a', 'timeout')
  scores.fault('b', 'bad-piece')
  stop()
  scores.fault('c', 'timeout')
  assert.deepEqual(heard, ['a:timeout', 'b:bad-piece'])
})
