/**
 * Someone with only a browser opens the web link of a share: the page (src/browser/) reaches Node
 * peers over WebSockets, verifies every piece, and the file it saves holds the shared bytes; a
 * peer that sends a wrong piece is banned by the page; a reload resumes from the stored pieces; a
 * page that is not a secure context still verifies and stores (pure-JS SHA-256, IndexedDB). Headless Chromium from Debian's package
 * (test/helpers/browser.ts); skipped, with the reason, when it cannot be had.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import { IN_FLIGHT_BYTES_PER_PEER } from '../../src/swarm/requester/constants.js'
import { HostilePeer } from '../helpers/hostile-peer.js'
import { download, finished, PAGE_TIMEOUT_MS, rig, save, selfSignedCert, TEST_TIMEOUT_MS, webLink } from '../helpers/page.js'
import { hashFile, MiB, writeRandomFile } from '../helpers/swarm.js'

test('a page downloads 32 MiB from a Node seeder over WebSockets; the saved file is byte-identical', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const r = await rig(t)
  if (r === undefined) return
  const source = join(await r.swarm.dir('source'), 'talk.bin')
  const hash = await writeRandomFile(source, 32 * MiB)
  const seeder = await r.swarm.node('seeder', { reach: false })
  const shared = await seeder.share(source)

  await download(r, webLink(r.server, shared.cid, [seeder]))
  assert.match(await r.page.textContent('#signer') ?? '', new RegExp(seeder.peerId), 'the page shows who signed the manifest')
  assert.equal(await hashFile(await save(r, 'talk.bin')), hash, 'the saved file differs from the shared one')
  assert.deepEqual(r.errors, [])
})

test('a node sending the page wrong pieces is banned by it; the saved file is still right', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const r = await rig(t)
  if (r === undefined) return
  const path = join(await r.swarm.dir('source'), 'firmware.img')
  const hash = await writeRandomFile(path, 4 * MiB + 1234)
  // Slowed down, so the liar is surely asked for pieces before the end.
  const seeder = await r.swarm.node('seeder', { reach: false, uploadLimit: 2 * MiB })
  const shared = await seeder.share(path)
  const liar = await HostilePeer.start({ webSockets: true })
  t.after(async () => await liar.stop())
  const stolen = await liar.copyMetadata(seeder.addrs()[0] as string, CID.parse(shared.cid))
  const bytes = await open(path, 'r')
  t.after(async () => await bytes.close())
  liar.serve(stolen, 'wrong-data', bytes)

  await download(r, webLink(r.server, shared.cid, [seeder, liar]))
  assert.ok(liar.counts.piecesSent > 0, 'the liar never sent a piece: the test proves nothing')
  assert.match(await r.page.textContent('#banned') ?? '', new RegExp(liar.peerId), 'the page banned the liar')
  assert.doesNotMatch(await r.page.textContent('#banned') ?? '', new RegExp(seeder.peerId), 'the page banned the honest seeder')
  assert.equal(await hashFile(await save(r, 'firmware.img')), hash, 'the saved file differs from the shared one')
})

test('a reload mid-download resumes from the pieces the page stored', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const r = await rig(t)
  if (r === undefined) return
  const size = 48 * MiB
  const rate = 6 * MiB
  const path = join(await r.swarm.dir('source'), 'lecture.bin')
  const hash = await writeRandomFile(path, size)
  // Slowed down, so the reload surely comes mid-download.
  const seeder = await r.swarm.node('seeder', { reach: false, uploadLimit: rate })
  const shared = await seeder.share(path)
  await r.page.goto(webLink(r.server, shared.cid, [seeder]))
  await r.page.waitForFunction(half => Number(document.body.dataset.verified ?? 0) >= half, size * 0.6, { timeout: PAGE_TIMEOUT_MS, polling: 50 })
  const verified = Number(await r.page.evaluate(() => document.body.dataset.verified))
  await r.page.reload()
  await finished(r)
  const received = Number(await r.page.evaluate(() => document.body.dataset.received))
  // What was verified may be up to one save interval (1 s) and a redraw behind what the page had
  // stored, and pieces in flight at the reload are fetched again: two seconds at the seeder's rate
  // and one peer's requests in flight at most.
  const bound = size - verified + 2 * rate + IN_FLIGHT_BYTES_PER_PEER
  t.diagnostic(`verified before the reload: ${verified} B; fetched after it: ${received} B of ${size}`)
  assert.ok(received < bound, `fetched ${received} bytes after the reload; ${verified} were verified before it, so at most ${bound}`)
  assert.equal(await hashFile(await save(r, 'lecture.bin')), hash, 'the saved file differs from the shared one')
})

test('a Node get pulls from a page: the page serves what it downloaded while it stays open', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const r = await rig(t)
  if (r === undefined) return
  const size = 6 * MiB + 99
  const path = join(await r.swarm.dir('source'), 'slides.pdf')
  const hash = await writeRandomFile(path, size)
  const seeder = await r.swarm.node('seeder', { reach: false, direct: false })
  const shared = await seeder.share(path)
  // The getter is in the page's link too (it has nothing yet: the page just stays connected to it).
  const getter = await r.swarm.node('getter', { reach: false })
  await download(r, webLink(r.server, shared.cid, [seeder, getter]))
  await seeder.stop()
  const result = await getter.get(shared.link, { output: await r.swarm.dir('out'), timeoutMs: PAGE_TIMEOUT_MS })
  assert.equal(await hashFile(result.path), hash, 'the bytes from the page differ from the shared ones')
  const pageId = Object.keys(result.peers)
  assert.equal(pageId.length, 1, `one source: ${JSON.stringify(result.peers)}`)
  assert.notEqual(pageId[0], seeder.peerId, 'the bytes came from the page, not the seeder')
  await r.page.waitForFunction(n => Number(document.body.dataset.uploaded) >= n, size, { timeout: PAGE_TIMEOUT_MS })
})

test('a page that is not a secure context (http from a name, not loopback) still downloads and verifies', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  // The page's origin is http://shoal.test:<port>: no WebCrypto, no private file system, as on a
  // LAN address. The name resolves to loopback, so no traffic leaves the machine.
  const r = await rig(t, ['--host-resolver-rules=MAP shoal.test 127.0.0.1'])
  if (r === undefined) return
  const path = join(await r.swarm.dir('source'), 'notes.bin')
  const hash = await writeRandomFile(path, 8 * MiB + 5)
  const seeder = await r.swarm.node('seeder', { reach: false })
  const shared = await seeder.share(path)
  const link = webLink(r.server, shared.cid, [seeder]).replace('//127.0.0.1:', '//shoal.test:')
  await r.page.goto(link)
  assert.deepEqual(await r.page.evaluate(() => [isSecureContext, globalThis.crypto?.subtle === undefined, typeof navigator.storage?.getDirectory]), [false, true, 'undefined'])
  await finished(r)
  assert.equal(await hashFile(await save(r, 'notes.bin')), hash, 'the saved file differs from the shared one')
})

test('a page reaches a node over WebSockets with TLS (/tls/ws, --ws-cert and --ws-key)', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  // The certificate is self-signed: this browser is told to accept it, as a real one would a CA's.
  const r = await rig(t, ['--ignore-certificate-errors'])
  if (r === undefined) return
  const cert = await selfSignedCert(r.swarm)
  if (cert === undefined) {
    t.skip('no openssl to make a certificate with')
    return
  }
  const path = join(await r.swarm.dir('source'), 'secure.bin')
  const hash = await writeRandomFile(path, 3 * MiB + 17)
  const seeder = await r.swarm.node('seeder', { reach: false, webSockets: cert })
  assert.ok(seeder.addrs().some(a => /\/tcp\/\d+\/tls\/ws\/p2p\//.test(a)), `a /tls/ws address: ${seeder.addrs().join(' ')}`)
  assert.ok(!seeder.addrs().some(a => /\/tcp\/\d+\/ws\/p2p\//.test(a)), 'no plain /ws address beside it')
  const shared = await seeder.share(path)
  await download(r, webLink(r.server, shared.cid, [seeder]))
  assert.match(await r.page.textContent('#peers') ?? '', /over wss/)
  assert.equal(await hashFile(await save(r, 'secure.bin')), hash, 'the saved file differs from the shared one')
})


test('a link naming no address a page can dial (TCP only) says so at once, instead of waiting', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const r = await rig(t)
  if (r === undefined) return
  const path = join(await r.swarm.dir('source'), 'tcp-only.bin')
  await writeRandomFile(path, 64 * 1024)
  const seeder = await r.swarm.node('seeder', { reach: false })
  const shared = await seeder.share(path)
  // The plain shoal:// link: TCP addresses only, which a browser cannot dial.
  await r.page.goto(`${r.server.url}#${shared.link}`)
  await r.page.waitForFunction(() => document.body.dataset.phase === 'error', undefined, { timeout: PAGE_TIMEOUT_MS })
  assert.match(await r.page.textContent('#status') ?? '', /can be dialled from a page: it needs a WebSockets address/)
})
