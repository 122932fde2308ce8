import { test, describe, before, after } from 'node:test'
import { strict as assert } from 'node:assert'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm, stat, truncate } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PieceLayout } from '../../src/content/layout.js'
import type { Manifest } from '../../src/content/manifest.js'
import { PieceFiles } from '../../src/store/piece-files.js'
import { ErrorCode } from '../../src/errors.js'

const PIECE = 16 * 1024
const FAKE_ROOT = '0'.repeat(64)

function dirManifest (files: Array<[string, number]>, pieceSize = PIECE): Manifest {
  return { version: 1, name: 'album', kind: 'dir', pieceSize, files: files.map(([path, size]) => ({ path, size, root: FAKE_ROOT })) }
}

/** The bytes of every piece, cut from per-file source buffers. */
function piecesOf (layout: PieceLayout, sources: Buffer[]): Buffer[] {
  const pieces: Buffer[] = []
  for (let p = 0; p < layout.pieceCount; p++) {
    const { file, offset, length } = layout.locate(p)
    pieces.push(sources[file]!.subarray(offset, offset + length))
  }
  return pieces
}

/** Deterministic shuffle so a failure reproduces. */
function scrambled (count: number): number[] {
  const order = Array.from({ length: count }, (_, i) => i)
  let seed = 7
  for (let i = order.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    const j = seed % (i + 1)
    ;[order[i], order[j]] = [order[j]!, order[i]!]
  }
  return order
}

async function openFds (): Promise<number | undefined> {
  return existsSync('/proc/self/fd') ? (await readdir('/proc/self/fd')).length : undefined
}

describe('PieceFiles', () => {
  let dir: string
  let n = 0
  const freshRoot = (): string => join(dir, `case-${++n}`, 'content')

  before(async () => { dir = await mkdtemp(join(tmpdir(), 'shoal-pieces-')) })
  after(async () => { await rm(dir, { recursive: true, force: true }) })

  test('nested layout: prepare, write out of order, read back, bytes on disk equal the source', async () => {
    const files: Array<[string, number]> = [
      ['intro.bin', 2 * PIECE + 1234], // not a multiple of the piece size
      ['empty.txt', 0],
      ['disc 1/deep/track.bin', 3 * PIECE], // exact multiple
      ['disc 1/tiny.txt', 5],
      ['disc 2/nothing', 0]
    ]
    const manifest = dirManifest(files)
    const layout = new PieceLayout(manifest)
    const sources = files.map(([, size]) => randomBytes(size))
    const pieces = piecesOf(layout, sources)
    const root = freshRoot()

    const store = new PieceFiles(layout, manifest, root)
    await store.prepare()
    for (const [path, size] of files) {
      assert.equal((await stat(join(root, ...path.split('/')))).size, size, `prepared size of ${path}`)
    }
    for (const p of scrambled(layout.pieceCount)) await store.writePiece(p, pieces[p]!)
    for (let p = 0; p < layout.pieceCount; p++) assert.deepEqual(await store.readPiece(p), pieces[p])
    await store.sync()
    await store.close()

    for (const [i, [path]] of files.entries()) {
      assert.deepEqual(await readFile(join(root, ...path.split('/'))), sources[i], `bytes of ${path}`)
    }
  })

  test('kind "file": the content is the root path itself', async () => {
    const data = randomBytes(PIECE + 99)
    const manifest: Manifest = { version: 1, name: 'movie.mkv', kind: 'file', pieceSize: PIECE, files: [{ path: 'movie.mkv', size: data.length, root: FAKE_ROOT }] }
    const layout = new PieceLayout(manifest)
    const root = join(freshRoot(), '.movie.mkv.shoal-partial')
    const store = new PieceFiles(layout, manifest, root)
    await store.prepare()
    await store.writePiece(1, data.subarray(PIECE))
    await store.writePiece(0, data.subarray(0, PIECE))
    await store.close()
    assert.deepEqual(await readFile(root), data)

    // Served in place, read-only: a fresh instance reads without ever opening for writing.
    const reader = new PieceFiles(layout, manifest, root)
    assert.deepEqual(await reader.readPiece(1), data.subarray(PIECE))
    await reader.close()
  })

  test('more files than maxOpenFiles: the LRU closes handles and everything still works', async () => {
    const MAX_OPEN = 3
    const files: Array<[string, number]> = Array.from({ length: 25 }, (_, i) => [`f/${i}.bin`, 1000 + i * 700])
    const manifest = dirManifest(files, 1024)
    const layout = new PieceLayout(manifest)
    const sources = files.map(([, size]) => randomBytes(size))
    const pieces = piecesOf(layout, sources)
    const store = new PieceFiles(layout, manifest, freshRoot(), { maxOpenFiles: MAX_OPEN })
    await store.prepare()
    const fdsBefore = await openFds()

    // Concurrent writes and reads exercise eviction while handles are busy.
    await Promise.all(scrambled(layout.pieceCount).map(async p => { await store.writePiece(p, pieces[p]!) }))
    const fdsAfter = await openFds()
    if (fdsBefore !== undefined && fdsAfter !== undefined) {
      assert.ok(fdsAfter - fdsBefore <= MAX_OPEN, `at most ${MAX_OPEN} handles stay open, saw ${fdsAfter - fdsBefore}`)
    }
    const read = await Promise.all(scrambled(layout.pieceCount).map(async p => ({ p, data: await store.readPiece(p) })))
    for (const { p, data } of read) assert.deepEqual(data, pieces[p])
    await store.sync()
    await store.close()
    const fdsClosed = await openFds()
    if (fdsBefore !== undefined && fdsClosed !== undefined) assert.ok(fdsClosed <= fdsBefore)
  })

  test('reading from a truncated or missing file is NotFound', async () => {
    const files: Array<[string, number]> = [['a.bin', 2 * PIECE + 10], ['b.bin', 100]]
    const manifest = dirManifest(files)
    const layout = new PieceLayout(manifest)
    const root = freshRoot()
    const sources = files.map(([, size]) => randomBytes(size))
    const store = new PieceFiles(layout, manifest, root)
    await store.prepare()
    for (const [p, data] of piecesOf(layout, sources).entries()) await store.writePiece(p, data)
    await store.close()

    await truncate(join(root, 'a.bin'), PIECE + 5)
    await rm(join(root, 'b.bin'))
    const reader = new PieceFiles(layout, manifest, root)
    assert.deepEqual(await reader.readPiece(0), sources[0]!.subarray(0, PIECE))
    await assert.rejects(reader.readPiece(1), { code: ErrorCode.NotFound, message: `piece 1 is missing on disk: ${join(root, 'a.bin')}` })
    await assert.rejects(reader.readPiece(2), { code: ErrorCode.NotFound })
    await assert.rejects(reader.readPiece(3), { code: ErrorCode.NotFound, message: `piece 3 is missing on disk: ${join(root, 'b.bin')}` })
    await reader.close()
  })

  test('prepare keeps bytes already written (resume), and a read-only handle is upgraded for writing', async () => {
    const manifest = dirManifest([['x.bin', 2 * PIECE]])
    const layout = new PieceLayout(manifest)
    const root = freshRoot()
    const first = randomBytes(PIECE)
    const second = randomBytes(PIECE)
    const a = new PieceFiles(layout, manifest, root)
    await a.prepare()
    await a.writePiece(0, first)
    await a.close()

    const b = new PieceFiles(layout, manifest, root)
    await b.prepare()
    assert.deepEqual(await b.readPiece(0), first) // opens read-only
    await b.writePiece(1, second) // needs read-write
    assert.deepEqual(await b.readPiece(1), second)
    await b.close()
    assert.deepEqual(await readFile(join(root, 'x.bin')), Buffer.concat([first, second]))
  })

  test('bad arguments, unsafe paths, writes before prepare, use after close', async () => {
    const manifest = dirManifest([['x.bin', 100]])
    const layout = new PieceLayout(manifest)
    const root = freshRoot()
    const store = new PieceFiles(layout, manifest, root)
    await assert.rejects(store.writePiece(0, new Uint8Array(100)), { code: ErrorCode.NotFound })
    await store.prepare()
    await assert.rejects(store.writePiece(0, new Uint8Array(99)), { code: ErrorCode.BadArgument })
    await assert.rejects(store.readPiece(1), { code: ErrorCode.BadArgument })
    await assert.rejects(store.readPiece(-1), { code: ErrorCode.BadArgument })
    await store.close()
    await assert.rejects(store.readPiece(0), { code: ErrorCode.Aborted })

    for (const path of ['../escape', 'a/../../b', '/abs', 'a//b', 'a\\b']) {
      const bad = dirManifest([[path, 1]])
      assert.throws(() => new PieceFiles(new PieceLayout(bad), bad, root), { code: ErrorCode.BadManifest }, path)
    }
    assert.throws(() => new PieceFiles(layout, manifest, root, { maxOpenFiles: 0 }), { code: ErrorCode.BadArgument })
  })
})
