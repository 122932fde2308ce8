import { test } from 'node:test'
import { strict as assert } from 'node:assert'
import { compareUtf8, isSafePath, isSafeSegment } from '../../src/content/safe-path.js'

test('isSafeSegment accepts ordinary names', () => {
  for (const name of ['a', 'photo.jpg', '.bashrc', 'My Documents', 'übung', '日本語.txt', '😀', 'x'.repeat(255), 'CONSOLE', 'nul_', 'com0']) {
    assert.equal(isSafeSegment(name), true, name)
  }
})

test('isSafeSegment rejects dangerous names', () => {
  const bad = [
    '', '.', '..', 'a/b', 'a\\b', 'a\u0000', '\u0001', 'line\nbreak', '\u001f',
    'CON', 'con', 'Prn.txt', 'aux.tar.gz', 'NUL', 'com1', 'COM9.log', 'lpt1', 'LPT5.txt', 'con .txt',
    'x'.repeat(256), '€'.repeat(86), // 258 UTF-8 bytes
    '\udc00', 'a\ud83d' // lone surrogates
  ]
  for (const name of bad) assert.equal(isSafeSegment(name), false, JSON.stringify(name))
  assert.equal(isSafeSegment(42 as unknown as string), false)
})

test('isSafePath checks every segment and the total length', () => {
  assert.equal(isSafePath('a/b/c.txt'), true)
  for (const path of ['/a', 'a/', 'a//b', 'a/../b', '../a', 'a/./b', 'a/CON/b']) assert.equal(isSafePath(path), false, path)
  const segment = 'z'.repeat(255)
  assert.equal(isSafePath(Array(16).fill(segment).join('/')), true) // 4095 bytes
  assert.equal(isSafePath(Array(16).fill(segment).join('/') + 'z'), false) // last segment 256 bytes
  assert.equal(isSafePath(Array(17).fill('y'.repeat(240)).join('/')), true) // exactly 4096 bytes
  assert.equal(isSafePath(Array(17).fill('y'.repeat(241)).join('/')), false) // 4113 bytes
})

test('compareUtf8 is UTF-8 byte order', () => {
  const words = ['b', 'a/b', 'a', 'a.txt', '\uffff', '😀', 'é', 'A', '']
  const expected = [...words].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)))
  assert.deepEqual([...words].sort(compareUtf8), expected)
  assert.ok(compareUtf8('\uffff', '😀') < 0) // plain `<` says the opposite
  assert.equal(compareUtf8('same', 'same'), 0)
})
