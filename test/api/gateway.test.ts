/**
 * The content gateway: a file is streamed over HTTP while it downloads, and a Range request is
 * answered by fetching the pieces it covers first, so the end of a video plays long before the
 * download reaches it.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { MiB, TEST_TIMEOUT_MS, TestSwarm, waitFor, writeRandomFile } from '../helpers/swarm.js'
import { startDaemon } from '../helpers/daemon.js'

/** 16 MiB in 16 KiB pieces from one seeder sending 256 KiB/s: the whole file takes about a minute. */
const SIZE = 16 * MiB
const SLOW_UPLOAD = 256 * 1024

test('a Range request near the end is served long before the download gets there', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const swarm = new TestSwarm()
  const d = await startDaemon(swarm, 'daemon')
  t.after(async () => { await d.daemon.stop(); await swarm.cleanup() })
  const source = join(await swarm.dir('source'), 'movie.mp4')
  await writeRandomFile(source, SIZE)
  const original = await readFile(source)
  const alice = await swarm.node('alice', { uploadLimit: SLOW_UPLOAD })
  const shared = await alice.share(source)
  // A bare content ID: the daemon finds it through the peers it is connected to.
  await d.json('/api/v1/peers', { method: 'POST', body: JSON.stringify({ addr: alice.addrs()[0] }) })

  const tail = { start: SIZE - 100_000, end: SIZE - 1 }
  const response = await d.call(`/content/${shared.cid}/movie.mp4`, { headers: { Range: `bytes=${tail.start}-` } })
  assert.equal(response.status, 206)
  assert.equal(response.headers.get('content-range'), `bytes ${tail.start}-${tail.end}/${SIZE}`)
  assert.equal(response.headers.get('content-type'), 'video/mp4')
  assert.equal(response.headers.get('accept-ranges'), 'bytes')
  assert.equal(response.headers.get('content-security-policy'), 'sandbox')
  const body = Buffer.from(await response.arrayBuffer())
  assert.ok(body.equals(original.subarray(tail.start)), 'the range holds other bytes than the file')

  // The gateway started the download itself, and it is nowhere near done: those pieces came first.
  const info = await d.json(`/api/v1/downloads/${shared.cid}`)
  assert.equal(info.state, 'downloading')
  assert.ok(info.piecesDone < info.pieces / 2, `${info.piecesDone as number} of ${info.pieces as number} pieces were fetched before the tail`)

  // A range in the middle, also ahead of the download.
  const middle = await d.call(`/content/${shared.cid}`, { headers: { Range: 'bytes=8000000-8065535' } })
  assert.equal(middle.status, 206)
  assert.ok(Buffer.from(await middle.arrayBuffer()).equals(original.subarray(8_000_000, 8_065_536)))

  const head = await d.call(`/content/${shared.cid}/movie.mp4`, { method: 'HEAD' })
  assert.equal(head.status, 200)
  assert.equal(head.headers.get('content-length'), String(SIZE))
  assert.equal((await d.call(`/content/${shared.cid}/other.mp4`)).status, 404)
  assert.equal((await d.call(`/content/${shared.cid}/movie.mp4`, { headers: { Range: `bytes=${SIZE}-` } })).status, 416)
  assert.equal((await d.call('/content/not-a-cid/x')).status, 400)

  // Cancelling with deletePartial removes the unverified partial file.
  const partial = join(d.daemon.downloads.downloadsDir, '.movie.mp4.shoal-partial')
  assert.ok(await stat(partial).then(() => true, () => false), 'no partial file where expected')
  assert.equal((await d.call(`/api/v1/downloads/${shared.cid}?deletePartial=true`, { method: 'DELETE' })).status, 204)
  await waitFor('the partial file to go', async () => !(await stat(partial).then(() => true, () => false)))
  assert.equal((await d.call(`/api/v1/downloads/${shared.cid}`)).status, 404)
})

test('a complete file streams whole or by range, and a folder lists its files', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const swarm = new TestSwarm()
  const d = await startDaemon(swarm, 'daemon')
  t.after(async () => { await d.daemon.stop(); await swarm.cleanup() })
  const folder = await swarm.dir('album')
  await writeRandomFile(join(folder, 'one.flac'), 200_000)
  await writeRandomFile(join(folder, 'sub', 'two.txt'), 1_000)
  const shared = await d.json('/api/v1/shares', { method: 'POST', body: JSON.stringify({ path: folder }) })

  const listing = await d.json(`/content/${shared.cid as string}`, { headers: { Accept: 'application/json' } })
  assert.deepEqual(listing.files.map((f: any) => [f.path, f.size, f.complete]), [['one.flac', 200_000, true], ['sub/two.txt', 1_000, true]])
  const whole = await d.call(`/content/${shared.cid as string}/sub/two.txt`)
  assert.equal(whole.status, 200)
  assert.equal(whole.headers.get('content-type'), 'text/plain; charset=utf-8')
  assert.ok(Buffer.from(await whole.arrayBuffer()).equals(await readFile(join(folder, 'sub', 'two.txt'))))
  const part = await d.call(`/content/${shared.cid as string}/one.flac`, { headers: { Range: 'bytes=-10' } })
  assert.equal(part.status, 206)
  assert.ok(Buffer.from(await part.arrayBuffer()).equals((await readFile(join(folder, 'one.flac'))).subarray(-10)))
  const html = await d.call(`/content/${shared.cid as string}?token=${d.daemon.token}`, { token: null })
  assert.match(await html.text(), /href="\/content\/[^"]+\/sub\/two\.txt\?token=/)
})
