/**
 * A node whose bootstrap dials all failed at start dials its bootstrap peers again, for as long as
 * its DHT routing table is empty, and stops once the table has a peer (discovery/bootstrap-retry.ts).
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { BootstrapRetry, BOOTSTRAP_RETRY_MAX_MS, BOOTSTRAP_RETRY_MIN_MS } from '../../src/discovery/bootstrap-retry.js'

/** Lets the service's promise callbacks run. */
const settle = async (): Promise<void> => { for (let i = 0; i < 10; i++) await Promise.resolve() }

test('bootstrap peers are dialled again while the routing table is empty, with backoff, and no more once it fills', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] })
  let table = 0
  const dialled: string[] = []
  const node = new AbortController()
  const retry = new BootstrapRetry(['/ip4/10.0.0.1/tcp/1/p2p/a', '/ip4/10.0.0.2/tcp/1/p2p/b'], {
    tableSize: () => table,
    dial: async addr => { dialled.push(addr); throw new Error('busy') },
    signal: node.signal
  })
  await retry.start()
  t.after(async () => { node.abort(); await retry.stop() })

  t.mock.timers.tick(BOOTSTRAP_RETRY_MIN_MS)
  await settle()
  assert.equal(dialled.length, 2, 'every bootstrap address is dialled again when the table is empty')

  t.mock.timers.tick(BOOTSTRAP_RETRY_MIN_MS)
  await settle()
  assert.equal(dialled.length, 2, 'after a failed round the pause has doubled')
  t.mock.timers.tick(BOOTSTRAP_RETRY_MIN_MS)
  await settle()
  assert.equal(dialled.length, 4, 'and then it dials again')

  table = 3
  t.mock.timers.tick(BOOTSTRAP_RETRY_MAX_MS * 3)
  await settle()
  t.mock.timers.tick(BOOTSTRAP_RETRY_MAX_MS)
  await settle()
  assert.equal(dialled.length, 4, 'a filled routing table stops the redials')
  assert.equal(retry.redials, 2)
})

test('a node without bootstrap peers runs no retries', async () => {
  const retry = new BootstrapRetry([], { tableSize: () => 0, dial: async () => { throw new Error('must not dial') }, signal: new AbortController().signal })
  await retry.start()
  await retry.stop()
  assert.equal(retry.redials, 0)
})
