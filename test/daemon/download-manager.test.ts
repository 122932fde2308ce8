/** The daemon's downloads without a network: start, progress, pause, resume, finish, persist, remove. */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { DownloadManager } from '../../src/daemon/download-manager.js'
import { DownloadStore } from '../../src/daemon/download-store.js'
import { DaemonEvents, type DaemonEvent } from '../../src/daemon/events.js'
import { PieceSources } from '../../src/daemon/piece-sources.js'
import { SOURCE_EARLIER } from '../../src/daemon/constants.js'
import { ErrorCode, ShoalError } from '../../src/errors.js'
import { JSON_CODEC } from '../../src/content/manifest.js'
import { silentLogger } from '../../src/log/logger.js'
import type { GetOptions } from '../../src/node/node.js'
import type { DownloadResult } from '../../src/swarm/requester/download.js'

interface Call { link: string, options: GetOptions, resolve: (r: DownloadResult) => void, reject: (e: Error) => void }

/** Stands in for ShoalNode: each get() waits until the test resolves it, or its signal aborts. */
class FakeNode {
  readonly calls: Call[] = []
  readonly removed: string[] = []
  async get (link: string, options: GetOptions): Promise<DownloadResult> {
    return await new Promise((resolve, reject) => {
      this.calls.push({ link, options, resolve, reject })
      options.signal?.addEventListener('abort', () => reject(new ShoalError(ErrorCode.Aborted, 'download cancelled')), { once: true })
    })
  }

  contentOf (): undefined { return undefined }
  async removeContent (cid: string): Promise<boolean> { this.removed.push(cid); return true }
}

async function someCid (): Promise<string> {
  return CID.create(1, JSON_CODEC, await sha256.digest(randomBytes(16))).toString()
}

async function until (what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}

async function setup (dir: string, node = new FakeNode()): Promise<{ node: FakeNode, manager: DownloadManager, events: DaemonEvent[] }> {
  const bus = new DaemonEvents()
  const events: DaemonEvent[] = []
  bus.subscribe(e => events.push(e))
  const manager = new DownloadManager({ host: node, events: bus, store: new DownloadStore(join(dir, 'downloads.json')), downloadsDir: join(dir, 'out'), logger: silentLogger })
  await manager.start()
  return { node, manager, events }
}

test('a download runs, pauses (aborting the get), resumes (a new get), and finishes', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-manager-'))
  try {
    const { node, manager, events } = await setup(dir)
    const cid = await someCid()
    const download = manager.add({ link: cid })
    assert.equal(download.state, 'finding')
    assert.equal(node.calls.length, 1)
    assert.equal(node.calls[0]?.options.output, join(dir, 'out'))
    node.calls[0]?.options.onProgress?.({ cid, phase: 'downloading', name: 'x', totalBytes: 100, verifiedBytes: 40, receivedBytes: 40, pieces: 10, piecesDone: 4, peers: 2, bytesPerSecond: 10 })
    assert.equal(download.state, 'downloading')
    assert.equal(download.info().verifiedBytes, 40)

    const paused = await manager.pause(cid)
    assert.equal(paused.state, 'paused')
    assert.equal(node.calls[0]?.options.signal?.aborted, true, 'pause aborts the running get')
    const saved = JSON.parse(await readFile(join(dir, 'downloads.json'), 'utf8'))
    assert.deepEqual(saved.map((s: any) => [s.cid, s.paused]), [[cid, true]])

    manager.resume(cid)
    assert.equal(node.calls.length, 2, 'resume runs get again')
    assert.equal(node.calls[1]?.link, cid)
    const result: DownloadResult = { cid, name: 'x', kind: 'file', path: join(dir, 'out', 'x'), publisher: 'p', bytes: 100, received: 60, direct: 0, relayed: 0, peers: {}, durationMs: 5 }
    node.calls[1]?.resolve(result)
    await until('done', () => download.state === 'done')
    assert.deepEqual(download.info().result, result)
    assert.ok(events.some(e => e.name === 'downloads' && (e.data as any).downloads.some((d: any) => d.state === 'done')))
    // Adding the same content again (same folder, file still there) is the same download, not a new get.
    await mkdir(join(dir, 'out'), { recursive: true })
    await writeFile(result.path, 'x')
    assert.equal(manager.add({ link: cid }), download)
    assert.equal(node.calls.length, 2)
    await manager.stop()
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

test('the same content into another folder while running is a conflict; a failure is reported', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-manager-'))
  try {
    const { node, manager } = await setup(dir)
    const cid = await someCid()
    manager.add({ link: cid })
    assert.throws(() => manager.add({ link: cid, output: join(dir, 'elsewhere') }), (err: any) => err.code === 'CONFLICT')
    assert.throws(() => manager.add({ link: 'not a link' }), (err: any) => err.code === 'BAD_LINK')
    // A failed get: state failed, with the error's code; resume tries again.
    const other = await someCid()
    const failing = manager.add({ link: other })
    ;(node.calls.at(-1) as Call).reject(new ShoalError(ErrorCode.Timeout, 'nobody has it'))
    await until('failed', () => failing.state === 'failed')
    assert.deepEqual(failing.info().error, { code: 'TIMEOUT', message: 'nobody has it' })
    manager.resume(other)
    assert.equal(failing.state, 'finding')
    assert.equal(failing.info().error, undefined)
    await manager.stop()
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

test('a restarted manager resumes what ran and keeps what was paused; remove can delete the partial', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-manager-'))
  try {
    const first = await setup(dir)
    const running = await someCid()
    const paused = await someCid()
    first.manager.add({ link: running })
    first.manager.add({ link: paused })
    await first.manager.pause(paused)
    await first.manager.stop()

    const second = await setup(dir)
    assert.deepEqual(second.node.calls.map(c => c.link), [running], 'only the running one starts again')
    assert.equal(second.manager.get(paused)?.state, 'paused')
    await second.manager.remove(paused, true)
    assert.equal(second.manager.get(paused), undefined)
    assert.deepEqual(second.node.removed, [paused])
    assert.ok(second.events.some(e => e.name === 'download-removed'))
    await assert.rejects(second.manager.pause(paused), (err: any) => err.code === 'NOT_FOUND')
    await second.manager.stop()
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

test('piece sources: who gave each piece, what came from an earlier session', () => {
  const sources = new PieceSources()
  sources.attach({ pieceCount: 4, has: i => i === 0 })
  sources.record({ piece: 2, peerId: 'a', bytes: 10, valid: true, transport: 'direct' })
  sources.record({ piece: 3, peerId: 'b', bytes: 7, valid: true, transport: 'direct' })
  sources.record({ piece: 1, peerId: 'a', bytes: 10, valid: false, transport: 'direct' })
  const { sources: map, peers } = sources.snapshot()
  assert.deepEqual([...map], [SOURCE_EARLIER, 0, 1, 2])
  assert.deepEqual(peers, [{ peerId: 'a', bytes: 10, pieces: 1 }, { peerId: 'b', bytes: 7, pieces: 1 }])
})
