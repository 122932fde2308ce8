/**
 * Someone with only a browser opens the web link of a share: the page (src/browser/) reaches the
 * Node seeder over WebSockets, verifies every piece, and the file it saves holds the shared bytes.
 * Headless Chromium from Debian's package (test/helpers/browser.ts); skipped when it cannot be had.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { join } from 'node:path'
import { startPageServer, webLinkOf } from '../../src/api/page-server.js'
import { ensureChromium, INSTALL_ALLOWANCE_MS, launchChromium } from '../helpers/browser.js'
import { hashFile, MiB, TestSwarm, writeRandomFile } from '../helpers/swarm.js'

const SIZE = 32 * MiB
/** The page's download and the browser's start, on a loaded machine. */
const PAGE_TIMEOUT_MS = 120_000

test('a page downloads 32 MiB from a Node seeder over WebSockets; the saved file is byte-identical', { timeout: PAGE_TIMEOUT_MS + INSTALL_ALLOWANCE_MS }, async (t) => {
  const chromium = ensureChromium()
  if ('skip' in chromium) {
    t.skip(chromium.skip)
    return
  }
  const swarm = new TestSwarm()
  t.after(async () => await swarm.cleanup())
  const source = join(await swarm.dir('source'), 'talk.bin')
  const hash = await writeRandomFile(source, SIZE)
  const seeder = await swarm.node('seeder', { reach: false })
  const shared = await seeder.share(source)
  const server = await startPageServer('127.0.0.1', 0)
  t.after(async () => await server.close())
  const web = webLinkOf(shared.link, seeder.addrs(), server.url)
  assert.ok(web !== undefined, `the seeder has WebSockets addresses: ${seeder.addrs().join(' ')}`)

  const browser = await launchChromium(chromium.path)
  t.after(async () => await browser.close())
  const page = await browser.context.newPage()
  const problems: string[] = []
  page.on('pageerror', err => problems.push(err.message))
  await page.goto(web)
  await page.waitForFunction(() => document.body.dataset.phase === 'done' || document.body.dataset.phase === 'error', undefined, { timeout: PAGE_TIMEOUT_MS })
  const status = await page.textContent('#status')
  assert.equal(await page.evaluate(() => document.body.dataset.phase), 'done', `page says: ${status}; errors: ${problems.join('; ')}`)
  assert.match(await page.textContent('#signer') ?? '', new RegExp(seeder.peerId), 'the page shows who signed the manifest')

  const [download] = await Promise.all([page.waitForEvent('download', { timeout: PAGE_TIMEOUT_MS }), page.click('#save')])
  assert.equal(download.suggestedFilename(), 'talk.bin')
  const saved = join(await swarm.dir('saved'), 'talk.bin')
  await download.saveAs(saved)
  assert.equal(await hashFile(saved), hash, 'the saved file differs from the shared one')
  assert.deepEqual(problems, [])
})
