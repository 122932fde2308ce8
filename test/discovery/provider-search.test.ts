/**
 * The DHT search of a download (discovery/provider-search.ts): with peers to ask first it waits
 * before its first lookup, and starts at once when told none of them has the content; a download
 * that already fetches from enough peers asks the DHT nothing.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { CID } from 'multiformats/cid'
import { SEARCH_PAUSE_PEERS, searchProviders, type FoundPeer } from '../../src/discovery/provider-search.js'

const CID_TEXT = 'bagaaieragbkhfa2a234ngky22u57kn7kcdwh6qa7fmi4vs5g4qlsxtegal3q'
/** Far longer than the test's timeout: a search that waited it out would fail the test. */
const LONG_DELAY_MS = 10 * 60_000

function finder (): { find: (cid: CID, signal: AbortSignal) => AsyncIterable<FoundPeer>, asked: Promise<void>, count: () => number } {
  let count = 0
  let resolve!: () => void
  const asked = new Promise<void>(r => { resolve = r })
  return {
    find: async function * () { count++; resolve(); yield { id: 'peer-1' } },
    asked,
    count: () => count
  }
}

test('the first lookup starts as soon as the peers asked first turn out not to have the content', { timeout: 30_000 }, async () => {
  const { find, asked } = finder()
  const stop = new AbortController()
  const wake = new AbortController()
  const found: string[] = []
  const search = searchProviders(find, CID.parse(CID_TEXT), id => found.push(id), stop.signal, LONG_DELAY_MS, wake.signal)
  wake.abort()
  await asked
  stop.abort()
  await search
  assert.deepEqual(found, ['peer-1'])
})

test('while the peers asked first may still have it, no lookup starts', { timeout: 30_000 }, async () => {
  const { find, count } = finder()
  const stop = new AbortController()
  const search = searchProviders(find, CID.parse(CID_TEXT), () => {}, stop.signal, LONG_DELAY_MS, new AbortController().signal)
  // Let every pending callback run; the search must still be in its first wait.
  await new Promise(resolve => setImmediate(resolve))
  stop.abort()
  await search
  assert.equal(count(), 0)
})

test('a download fetching from enough peers skips its lookups, one with fewer looks up', { timeout: 30_000 }, async () => {
  const busy = finder()
  const stop = new AbortController()
  const skipped = searchProviders(busy.find, CID.parse(CID_TEXT), () => {}, stop.signal, 0, undefined, () => SEARCH_PAUSE_PEERS)
  const few = finder()
  const found: string[] = []
  const searched = searchProviders(few.find, CID.parse(CID_TEXT), id => found.push(id), stop.signal, 0, undefined, () => SEARCH_PAUSE_PEERS - 1)
  await few.asked
  await new Promise(resolve => setImmediate(resolve))
  stop.abort()
  await Promise.all([skipped, searched])
  assert.equal(busy.count(), 0)
  assert.deepEqual(found, ['peer-1'])
})
