/**
 * Pages are peers of each other: page A downloads from a Node seeder, then page B, given only A's
 * `/p2p-circuit/webrtc` address, gets the content from A alone, over WebRTC signalled through the
 * node's circuit relay. Headless Chromium gathers WebRTC host candidates only on a non-loopback
 * interface with a default route, so the test runs in a network namespace of its own (a veth
 * whose default route leads nowhere): every packet stays in it. Root only; skipped otherwise.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { formatLink } from '../../src/content/link.js'
import { ensureChromium, launchChromium } from '../helpers/browser.js'
import { inNamespace, namespaceSkipReason, runInNamespace } from '../helpers/netns.js'
import { download, PAGE_TIMEOUT_MS, rig, save, usePickers, TEST_TIMEOUT_MS, WEBRTC_ARGS, webLink, type Rig } from '../helpers/page.js'
import { hashFile, MiB, writeRandomFile } from '../helpers/swarm.js'

if (!inNamespace()) {
  test('page to page over WebRTC, in a network namespace of its own', { timeout: TEST_TIMEOUT_MS }, (t) => {
    const chromium = ensureChromium() // installed out here: the namespace has no network
    if ('skip' in chromium) return t.skip(chromium.skip)
    const cannot = namespaceSkipReason()
    if (cannot !== undefined) return t.skip(cannot)
    // A test run of its own in there, not a child of this runner.
    const run = runInNamespace(['--test', '--test-reporter=tap', fileURLToPath(import.meta.url)], TEST_TIMEOUT_MS)
    for (const line of run.stdout.match(/^(?:not )?ok \d+ - .*$|^ {2}duration_ms: .*$/gm) ?? []) t.diagnostic(`in the namespace: ${line.trim()}`)
    assert.equal(run.status, 0, `the test in the namespace failed:\n${run.stdout}\n${run.stderr}`)
    assert.match(run.stdout, /^# pass 2$/m, run.stdout)
  })
} else {
  test('page B gets the content from page A alone, over WebRTC signalled through a Node relay', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const r = await rig(t, WEBRTC_ARGS)
    if (r === undefined) return
    const chromium = ensureChromium() as { path: string }
    const path = join(await r.swarm.dir('source'), 'video.bin')
    const hash = await writeRandomFile(path, 8 * MiB + 3)
    // A public node: it runs the relay service the pages signal WebRTC through.
    const relay = await r.swarm.node('relay', { reach: { reachability: 'public' } })
    const shared = await relay.share(path)
    await download(r, webLink(r.server, shared.cid, [relay]))
    await r.page.waitForFunction(() => JSON.parse(document.body.dataset.addrs ?? '[]').length > 0, undefined, { timeout: PAGE_TIMEOUT_MS })
    const addrs = JSON.parse(await r.page.evaluate(() => document.body.dataset.addrs ?? '[]')) as string[]
    const pageA = await r.page.evaluate(() => document.body.dataset.peerId)
    // From now on only page A has the content: the node just relays.
    assert.ok(await relay.removeContent(shared.cid))

    const other = await launchChromium(chromium.path, undefined, WEBRTC_ARGS)
    t.after(async () => await other.close())
    await usePickers(other.context, 'none')
    const b: Rig = { ...r, page: await other.context.newPage(), errors: [] }
    const link = `${r.server.url}#${formatLink({ cid: CID.parse(shared.cid), peers: addrs.map(a => multiaddr(a)) })}`
    await download(b, link)
    const sources = JSON.parse(await b.page.evaluate(() => document.body.dataset.sources ?? '{}')) as Record<string, number>
    assert.deepEqual(Object.keys(sources), [pageA], `B's bytes came from page A alone: ${JSON.stringify(sources)}`)
    assert.equal(await hashFile(await save(b, 'video.bin')), hash, 'the saved file differs from the shared one')
  })

  test('a page found through peer exchange: a node hands out a page\'s WebRTC address, and another page fetches from it', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const r = await rig(t, WEBRTC_ARGS)
    if (r === undefined) return
    const chromium = ensureChromium() as { path: string }
    const path = join(await r.swarm.dir('source'), 'show.bin')
    const hash = await writeRandomFile(path, 8 * MiB + 7)
    // The relay has the content too, but serves it slowly; a fast seeder without a relay helps page A.
    const relay = await r.swarm.node('relay', { reach: { reachability: 'public' }, uploadLimit: 256 * 1024 })
    const fast = await r.swarm.node('fast', { reach: false })
    const shared = await relay.share(path)
    await fast.share(path)
    await download(r, webLink(r.server, shared.cid, [fast, relay]))
    await r.page.waitForFunction(() => JSON.parse(document.body.dataset.addrs ?? '[]').length > 0, undefined, { timeout: PAGE_TIMEOUT_MS })
    const pageA = await r.page.evaluate(() => document.body.dataset.peerId) as string
    await fast.stop()

    // Page B knows only the relay; the relay's peer exchange names page A, by its WebRTC address.
    const other = await launchChromium(chromium.path, undefined, WEBRTC_ARGS)
    t.after(async () => await other.close())
    await usePickers(other.context, 'none')
    const b: Rig = { ...r, page: await other.context.newPage(), errors: [] }
    await download(b, webLink(r.server, shared.cid, [relay]))
    const sources = JSON.parse(await b.page.evaluate(() => document.body.dataset.sources ?? '{}')) as Record<string, number>
    assert.ok((sources[pageA] ?? 0) > 0, `page B got nothing from page A: ${JSON.stringify(sources)}`)
    assert.equal(await hashFile(await save(b, 'show.bin')), hash, 'the saved file differs from the shared one')
  })
}
