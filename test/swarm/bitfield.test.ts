import { describe, it } from 'node:test'
import { strict as assert } from 'node:assert'
import { ErrorCode, ShoalError } from '../../src/errors.js'
import { Bitfield } from '../../src/swarm/wire/bitfield.js'

const badMessage = (err: unknown): boolean => err instanceof ShoalError && err.code === ErrorCode.BadMessage

describe('Bitfield', () => {
  it('sets, clears, counts and lists missing pieces', () => {
    const field = new Bitfield(20)
    assert.equal(field.count(), 0)
    assert.equal(field.missing().length, 20)
    field.set(0)
    field.set(9)
    field.set(19)
    field.set(9)
    assert.equal(field.count(), 3)
    assert.ok(field.has(0) && field.has(9) && field.has(19))
    assert.ok(!field.has(1))
    assert.deepEqual(field.missing(), [1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18])
    field.clear(9)
    field.clear(9)
    assert.equal(field.count(), 2)
    assert.ok(!field.isComplete())
    for (let i = 0; i < 20; i++) field.set(i)
    assert.ok(field.isComplete())
    assert.deepEqual(field.missing(), [])
  })

  it('uses MSB-first bit order', () => {
    const field = new Bitfield(12)
    field.set(0)
    field.set(9)
    assert.deepEqual(field.toBytes(), Uint8Array.of(0x80, 0x40))
  })

  it('answers has() false out of range, and set/clear throw RangeError', () => {
    const field = new Bitfield(8)
    assert.equal(field.has(8), false)
    assert.equal(field.has(-1), false)
    assert.equal(field.has(0.5), false)
    assert.throws(() => { field.set(8) }, RangeError)
    assert.throws(() => { field.clear(-1) }, RangeError)
    assert.throws(() => new Bitfield(-1), RangeError)
  })

  it('reads its wire form and validates it', () => {
    const field = Bitfield.fromBytes(12, Uint8Array.of(0xa0, 0x30))
    assert.equal(field.count(), 4)
    assert.deepEqual([0, 2, 10, 11].map(i => field.has(i)), [true, true, true, true])
    assert.throws(() => Bitfield.fromBytes(12, Uint8Array.of(0xa0)), badMessage)
    assert.throws(() => Bitfield.fromBytes(12, Uint8Array.of(0xa0, 0, 0)), badMessage)
    assert.throws(() => Bitfield.fromBytes(12, Uint8Array.of(0xa0, 0x38)), badMessage)
    assert.throws(() => Bitfield.fromBytes(0, Uint8Array.of(0)), badMessage)
    assert.equal(Bitfield.fromBytes(0, new Uint8Array(0)).isComplete(), true)
    assert.equal(Bitfield.fromBytes(16, Uint8Array.of(0xff, 0xff)).isComplete(), true)
  })

  it('copies bytes in and out', () => {
    const input = Uint8Array.of(0x80)
    const field = Bitfield.fromBytes(3, input)
    input[0] = 0
    assert.ok(field.has(0))
    const out = field.toBytes()
    out[0] = 0
    assert.ok(field.has(0))
  })

  it('full() has every piece and zero spare bits', () => {
    const field = Bitfield.full(11)
    assert.equal(field.count(), 11)
    assert.ok(field.isComplete())
    assert.deepEqual(field.toBytes(), Uint8Array.of(0xff, 0xe0))
    assert.deepEqual(Bitfield.full(0).toBytes(), new Uint8Array(0))
  })
})
