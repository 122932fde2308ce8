import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { Bitfield } from '../../src/swarm/wire/bitfield.js'
import { PiecePicker, type PickablePeer } from '../../src/swarm/requester/piece-picker.js'
import { ENDGAME_DUPLICATES } from '../../src/swarm/requester/constants.js'

function peer (pieces: number[]): PickablePeer & { inFlight: Map<number, number> } {
  const set = new Set(pieces)
  return { hasPiece: (i: number) => set.has(i), inFlight: new Map() }
}

test('picks the rarest pieces first', () => {
  const have = new Bitfield(6)
  const picker = new PiecePicker(have)
  const a = peer([0, 1, 2, 3, 4, 5])
  const b = peer([0, 1, 2, 3])
  const c = peer([0, 1])
  for (const p of [a, b, c]) picker.addPeerPieces(p)
  // Pieces 4 and 5 are held by one peer only, 2 and 3 by two, 0 and 1 by three.
  assert.deepEqual(picker.pick(a, 2).sort(), [4, 5])
  assert.deepEqual(picker.pick(a, 2).sort(), [2, 3])
  assert.deepEqual(picker.pick(a, 2).sort(), [0, 1])
})

test('never picks a piece the peer lacks, we have, or another peer is already fetching', () => {
  const have = new Bitfield(4)
  have.set(0)
  const picker = new PiecePicker(have)
  const a = peer([0, 1, 2])
  const b = peer([1, 2, 3])
  picker.addPeerPieces(a)
  picker.addPeerPieces(b)
  const fromA = picker.pick(a, 10)
  assert.ok(!fromA.includes(0), 'piece we have')
  assert.ok(!fromA.includes(3), 'piece the peer lacks')
  for (const p of fromA) a.inFlight.set(p, 0)
  const fromB = picker.pick(b, 10)
  assert.ok(fromB.includes(3))
  for (const p of fromA) {
    // Outside the endgame a piece goes to one peer at a time; in the endgame a duplicate is allowed.
    if (!picker.inEndgame()) assert.ok(!fromB.includes(p))
  }
})

test('endgame requests a missing piece from a second peer, at most ENDGAME_DUPLICATES times', () => {
  const have = new Bitfield(2)
  const picker = new PiecePicker(have)
  const peers = [peer([0, 1]), peer([0, 1]), peer([0, 1])]
  for (const p of peers) picker.addPeerPieces(p)
  const first = picker.pick(peers[0]!, 2)
  for (const p of first) peers[0]!.inFlight.set(p, 0)
  assert.equal(first.length, 2)
  assert.ok(picker.inEndgame())
  const second = picker.pick(peers[1]!, 2)
  for (const p of second) peers[1]!.inFlight.set(p, 0)
  assert.deepEqual(second.sort(), [0, 1])
  assert.equal(ENDGAME_DUPLICATES, 2)
  assert.deepEqual(picker.pick(peers[2]!, 2), [], 'a third copy of the same request is not made')
})

test('a released piece can be picked again; a departed peer no longer counts', () => {
  const have = new Bitfield(3)
  const picker = new PiecePicker(have)
  const a = peer([0, 1, 2])
  picker.addPeerPieces(a)
  const picked = picker.pick(a, 3)
  assert.equal(picked.length, 3)
  picker.release(picked[0]!)
  assert.ok(!picker.inEndgame())
  const b = peer([picked[0]!])
  picker.addPeerPieces(b)
  assert.deepEqual(picker.pick(b, 3), [picked[0]])
  picker.removePeerPieces(a)
  assert.equal(picker.availabilityOf(picked[1]!), 0)
  assert.equal(picker.availabilityOf(picked[0]!), 1)
})

test('a have announcement raises availability', () => {
  const picker = new PiecePicker(new Bitfield(2))
  picker.addHave(1)
  picker.addHave(1)
  assert.equal(picker.availabilityOf(1), 2)
  assert.equal(picker.availabilityOf(0), 0)
})
