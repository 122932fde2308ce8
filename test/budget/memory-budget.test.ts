/** The memory budget's bounds and fairness, at the limits (src/budget/memory-budget.ts). */
import { strict as assert } from 'node:assert'
import { test } from 'node:test'
import { addressKey } from '../../src/budget/address.js'
import { MemoryBudget } from '../../src/budget/memory-budget.js'
import { ADDRESS_RESERVE_BYTES, NODE_RESERVE_BYTES } from '../../src/budget/constants.js'

const MiB = 1024 * 1024
const small = { stream: 4 * MiB, peer: 8 * MiB, address: 12 * MiB + ADDRESS_RESERVE_BYTES, node: 64 * MiB }

test('a stream takes read-ahead up to its stream budget, but one piece larger than it whenever it holds none', () => {
  const budget = new MemoryBudget(small)
  const s = budget.open('a', '192.0.2.1')
  assert.ok(s.tryTake('read-ahead', 3 * MiB))
  assert.ok(s.tryTake('read-ahead', MiB), 'exactly the stream budget')
  assert.ok(!s.tryTake('read-ahead', 1), 'one byte past it')
  s.give('read-ahead', 4 * MiB)
  assert.ok(s.tryTake('read-ahead', 6 * MiB), 'a big piece, alone')
  assert.ok(!s.tryTake('read-ahead', 1))
  s.close()
  assert.equal(budget.bytes, 0, 'closing gives everything back')
})

test('the peer, address and node budgets each hold at their limit', () => {
  const budget = new MemoryBudget(small)
  const [a1, a2, a3] = [budget.open('a', 'x'), budget.open('a', 'x'), budget.open('a', 'x')]
  assert.ok(a1.tryTake('read-ahead', 4 * MiB) && a2.tryTake('read-ahead', 4 * MiB))
  assert.ok(!a3.tryTake('read-ahead', 1), 'peer budget full')
  const b = budget.open('b', 'x')
  assert.ok(b.tryTake('read-ahead', 4 * MiB) && b.tryTake('read-ahead', 4 * MiB) === false, 'b holds one stream budget')
  assert.ok(!budget.open('f', 'x').tryTake('read-ahead', 1), 'read-ahead stops at the address reserve')
  const c = budget.open('c', 'x')
  assert.ok(c.tryTake('receive', ADDRESS_RESERVE_BYTES), 'the reserve takes the small buffers of a new stream from that address')
  assert.ok(!budget.open('d', 'x').tryTake('receive', 1), 'address budget full')
  assert.ok(budget.open('e', 'y').tryTake('receive', 1), 'another address is not affected')
  const node = new MemoryBudget({ stream: 64 * MiB, peer: 64 * MiB, address: 64 * MiB, node: 64 * MiB })
  assert.ok(node.open('p', 'x').tryTake('read-ahead', 64 * MiB - NODE_RESERVE_BYTES))
  assert.ok(!node.open('q', 'y').tryTake('read-ahead', 1), 'bulk stops at the reserve')
  assert.ok(node.open('r', 'z').tryTake('receive', NODE_RESERVE_BYTES), 'the reserve is for small buffers of new streams')
  assert.ok(node.peak <= node.limits.node)
})

test('under pressure a waiting peer that holds little is served before one that holds much', async () => {
  const budget = new MemoryBudget({ stream: 16 * MiB, peer: 32 * MiB, address: 64 * MiB, node: 64 * MiB })
  const hog = [0, 1, 2].map(() => budget.open('hog', 'x'))
  for (const s of hog) assert.ok(s.tryTake('read-ahead', 16 * MiB) || s === hog[2])
  const other = budget.open('other', 'y')
  assert.ok(other.tryTake('read-ahead', 16 * MiB))
  // The node is full (56 MiB of bulk at most): both wait for 8 MiB.
  const order: string[] = []
  const hogWaits = hog[2]!.take('read-ahead', 8 * MiB).then(() => order.push('hog'))
  const honest = budget.open('honest', 'z')
  const honestWaits = honest.take('read-ahead', 8 * MiB).then(() => order.push('honest'))
  other.give('read-ahead', 16 * MiB)
  await honestWaits
  assert.deepEqual(order, ['honest'], 'the peer holding nothing went first')
  hog[2]!.close()
  await assert.rejects(hogWaits, /stream closed/)
})

test('addresses are grouped by IPv4 address and IPv6 /64', () => {
  assert.equal(addressKey('198.51.100.7'), '198.51.100.7')
  assert.equal(addressKey('::ffff:198.51.100.7'), '198.51.100.7')
  assert.equal(addressKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64')
  assert.equal(addressKey('2001:db8:1:2::ffff'), addressKey('2001:db8:1:2:1:2:3:4'))
  assert.equal(addressKey(undefined), 'unknown')
})
