/**
 * A page opens secret links (`#k=…`) itself: it downloads the sealed copy like any content, then
 * opens it with the key from the fragment, checks every segment and Merkle root, and saves the
 * plaintext; with a wrong key it says so and saves nothing. Save streams into a file picked
 * (before the download ends, for a single file) or a folder picked, where the browser has
 * pickers (stood in for by the origin's private file system here, test/helpers/page.ts).
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { join } from 'node:path'
import type { Download } from 'playwright-core'
import { webLinkOf } from '../../src/api/web-link.js'
import { encodeContentKey } from '../../src/content/secret.js'
import { finished, PAGE_TIMEOUT_MS, pickedHash, rig, save, savedFiles, TEST_TIMEOUT_MS, webLink } from '../helpers/page.js'
import { hashFile, MiB, writeRandomFile } from '../helpers/swarm.js'

test('a secret link opens in a page that is not a secure context (pure-JS AES); a wrong key is refused', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  // http://shoal.test: no WebCrypto, no private file system (IndexedDB, pure-JS SHA-256 and AES-GCM).
  const r = await rig(t, ['--host-resolver-rules=MAP shoal.test 127.0.0.1'])
  if (r === undefined) return
  const path = join(await r.swarm.dir('source'), 'diary.txt')
  const hash = await writeRandomFile(path, 3 * MiB + 77)
  const seeder = await r.swarm.node('seeder', { reach: false })
  const shared = await seeder.share(path, { secret: true })
  const link = webLinkOf(shared.link, seeder.addrs(), r.server.url)
  assert.ok(link?.includes('#k=') === true, `the web link carries the key: ${String(link)}`)
  const insecure = (link as string).replace('//127.0.0.1:', '//shoal.test:')

  await r.page.goto(insecure)
  assert.equal(await r.page.evaluate(() => globalThis.crypto?.subtle === undefined), true, 'the page has no WebCrypto')
  await finished(r)
  assert.equal(await r.page.textContent('#name'), 'diary.txt', 'the page shows the inner name, known only with the key')
  assert.match(await r.page.textContent('#signer') ?? '', new RegExp(seeder.peerId))
  assert.equal(await hashFile(await save(r, 'diary.txt')), hash, 'the saved plaintext differs from the shared file')

  // The same sealed copy (stored in the page now) with another key.
  const wrongKey = insecure.replace(/#k=[a-z2-7]+/, `#k=${encodeContentKey(new Uint8Array(32).fill(7))}`)
  await r.page.goto('about:blank')
  await r.page.goto(wrongKey)
  await r.page.waitForFunction(() => document.body.dataset.phase === 'done' || document.body.dataset.phase === 'error', undefined, { timeout: PAGE_TIMEOUT_MS })
  assert.match(await r.page.textContent('#status') ?? '', /key does not open this secret content/)
  assert.equal(await r.page.isDisabled('#save'), true, 'nothing to save with a wrong key')

  // A link without its key is refused before anything is stored (the shoal command says NO_KEY).
  const noKey = webLink(r.server, shared.cid, [seeder]).replace('//127.0.0.1:', '//shoal.test:')
  await r.page.goto('about:blank')
  await r.page.goto(noKey)
  await r.page.waitForFunction(() => document.body.dataset.phase === 'error', undefined, { timeout: PAGE_TIMEOUT_MS })
  assert.match(await r.page.textContent('#status') ?? '', /secret content: its link needs the key/)

  // Without pickers a folder lists its files, each handed over as a download of its own.
  const folder = join(await r.swarm.dir('source'), 'docs')
  const hashes = [await writeRandomFile(join(folder, 'one.pdf'), 300 * 1024 + 1), await writeRandomFile(join(folder, 'sub', 'two.pdf'), 1)]
  const plainFolder = await seeder.share(folder)
  await r.page.goto('about:blank')
  await r.page.goto(webLink(r.server, plainFolder.cid, [seeder]).replace('//127.0.0.1:', '//shoal.test:'))
  await finished(r)
  assert.equal(await r.page.isHidden('#save'), true, 'no folder picker: no Save-all button')
  for (const [i, name] of ['one.pdf', 'sub_two.pdf'].entries()) {
    const [download]: [Download, void] = await Promise.all([r.page.waitForEvent('download', { timeout: PAGE_TIMEOUT_MS }), r.page.click(`#files li:nth-child(${i + 1}) button`)])
    assert.equal(download.suggestedFilename(), name)
    const out = join(await r.swarm.dir('saved'), name)
    await download.saveAs(out)
    assert.equal(await hashFile(out), hashes[i], `${name} differs`)
  }
})

test('Save streams into picked places: a secret folder into a picked folder, a file into a file picked mid-download', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const r = await rig(t, [], 'opfs')
  if (r === undefined) return
  const folder = join(await r.swarm.dir('source'), 'album')
  const hashes = new Map<string, string>([
    ['album/a.jpg', await writeRandomFile(join(folder, 'a.jpg'), 2 * MiB + 5)],
    ['album/b/c.jpg', await writeRandomFile(join(folder, 'b', 'c.jpg'), 700 * 1024)],
    ['album/b/empty', await writeRandomFile(join(folder, 'b', 'empty'), 0)]
  ])
  const seeder = await r.swarm.node('seeder', { reach: false, uploadLimit: 4 * MiB })
  const secretFolder = await seeder.share(folder, { secret: true })
  await r.page.goto(webLinkOf(secretFolder.link, seeder.addrs(), r.server.url) as string)
  await finished(r)
  assert.equal(await r.page.textContent('#name'), 'album')
  await r.page.click('#save')
  await savedFiles(r.page, hashes.size)
  for (const [path, hash] of hashes) assert.equal(await pickedHash(r.page, path), hash, `${path} saved into the picked folder differs`)

  // A single plain file: Save is offered during the download; the bytes go to the picked file at the end.
  const path = join(await r.swarm.dir('source'), 'film.bin')
  const hash = await writeRandomFile(path, 12 * MiB + 1)
  // Slow (about 12 s), so the pick surely comes before the end even on a loaded machine.
  const slow = await r.swarm.node('slow-seeder', { reach: false, uploadLimit: MiB })
  const shared = await slow.share(path)
  await r.page.goto('about:blank')
  await r.page.goto(webLink(r.server, shared.cid, [slow]))
  await r.page.waitForFunction(() => document.body.dataset.phase === 'downloading' && !(document.getElementById('save') as HTMLButtonElement).disabled, undefined, { timeout: PAGE_TIMEOUT_MS, polling: 50 })
  await r.page.click('#save')
  // Said only when the pick came before the content was complete.
  await r.page.waitForFunction(() => /will be saved to film\.bin once/.test(document.getElementById('saved')?.textContent ?? ''), undefined, { timeout: PAGE_TIMEOUT_MS })
  await finished(r)
  await savedFiles(r.page, 1)
  assert.equal(await pickedHash(r.page, 'film.bin'), hash, 'the file saved into the picked file differs')
  assert.deepEqual(r.errors, [])
})
