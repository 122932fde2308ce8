/**
 * Providers re-announce: content is provided to the DHT at once, again every
 * REANNOUNCE_INTERVAL_MS (provider records expire), and a failed announce is retried with a
 * growing backoff, so a record lost with the nodes that held it comes back.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { Announcer, REANNOUNCE_GROWTH, REANNOUNCE_INTERVAL_MS, RETRY_MIN_MS } from '../../src/discovery/announcer.js'
import { JSON_CODEC } from '../../src/content/manifest.js'

/** Lets the announcer's promise callbacks run. */
const settle = async (): Promise<void> => { for (let i = 0; i < 5; i++) await Promise.resolve() }

test('content is announced at once, again every REANNOUNCE_INTERVAL_MS, and retried after a failure', async (t) => {
  t.mock.timers.enable({ apis: ['setInterval', 'setTimeout', 'Date'] })
  const cid = CID.create(1, JSON_CODEC, await sha256.digest(new Uint8Array([1])))
  const calls: number[] = []
  let fail = false
  const announcer = new Announcer(async () => {
    calls.push(Date.now())
    if (fail) throw new Error('no DHT peers')
  })
  announcer.start()
  t.after(() => announcer.stop())

  announcer.announce(cid)
  await settle()
  assert.equal(calls.length, 1, 'announced at once')
  assert.ok(announcer.isAnnounced(cid))

  t.mock.timers.tick(REANNOUNCE_INTERVAL_MS - 1_000)
  await settle()
  assert.equal(calls.length, 1, 'not before the interval')
  fail = true
  t.mock.timers.tick(2_000)
  await settle()
  assert.equal(calls.length, 2, 'announced again after REANNOUNCE_INTERVAL_MS')

  fail = false
  t.mock.timers.tick(RETRY_MIN_MS + 1_000)
  await settle()
  assert.equal(calls.length, 3, 'a failed announce is retried after RETRY_MIN_MS')

  announcer.withdraw(cid)
  t.mock.timers.tick(2 * REANNOUNCE_INTERVAL_MS)
  await settle()
  assert.equal(calls.length, 3, 'withdrawn content is no longer announced')
})

test('announced content is announced again once the routing table has doubled, and not before', async (t) => {
  t.mock.timers.enable({ apis: ['setInterval', 'setTimeout', 'Date'] })
  const cid = CID.create(1, JSON_CODEC, await sha256.digest(new Uint8Array([2])))
  let table = 3
  let calls = 0
  const announcer = new Announcer(async () => { calls++ }, undefined, () => table)
  announcer.start()
  t.after(() => announcer.stop())

  announcer.announce(cid)
  await settle()
  assert.equal(calls, 1, 'announced at once')

  table = 5
  t.mock.timers.tick(2_000)
  await settle()
  assert.equal(calls, 1, 'a table grown less than REANNOUNCE_GROWTH-fold changes nothing')

  table = 3 * REANNOUNCE_GROWTH
  t.mock.timers.tick(1_000)
  await settle()
  assert.equal(calls, 2, 'announced again once the table doubled')

  t.mock.timers.tick(10_000)
  await settle()
  assert.equal(calls, 2, 'once per doubling: the next needs twice the new size')

  table = 3 * REANNOUNCE_GROWTH * REANNOUNCE_GROWTH
  t.mock.timers.tick(1_000)
  await settle()
  assert.equal(calls, 3, 'and again at the next doubling')
  assert.ok(announcer.isAnnounced(cid))
})
