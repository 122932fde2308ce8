/**
 * Serving without re-hashing (swarm/serve-check.ts): a piece is served unhashed only while its file
 * shows the stamp it had when verified; a file edited after sharing (in place, restored to its old
 * mtime, or replaced by rename) is never served as the old content.
 */
import { test, describe } from 'node:test'
import { strict as assert } from 'node:assert'
import { randomBytes } from 'node:crypto'
import { mkdtemp, open, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildContent } from '../../src/content/build.js'
import { PieceLayout } from '../../src/content/layout.js'
import type { Manifest } from '../../src/content/manifest.js'
import { PieceFiles } from '../../src/store/piece-files.js'
import { ServeCheck, type FileTrust } from '../../src/swarm/common/serve-check.js'
import { SwarmContent } from '../../src/swarm/common/swarm-content.js'
import { SERVE_SAMPLE_RATE } from '../../src/swarm/common/constants.js'

const PIECE = 16 * 1024
const PIECES = 4

function manifestOf (pieces: number): Manifest {
  return { version: 1, name: 'f', kind: 'file', pieceSize: PIECE, files: [{ path: 'f', size: pieces * PIECE, root: '0'.repeat(64) }] }
}

/** A ServeCheck over one file whose stamp and piece validity the test sets; counts hashes. */
function fakeCheck (trust: FileTrust, random = (): number => 1): { check: ServeCheck, state: { stamp: string, good: Set<number>, hashed: number } } {
  const state = { stamp: 's1', good: new Set(Array.from({ length: PIECES }, (_, p) => p)), hashed: 0 }
  const check = new ServeCheck({
    layout: new PieceLayout(manifestOf(PIECES)),
    stampOf: () => state.stamp,
    verify: piece => { state.hashed++; return state.good.has(piece) },
    random
  }, trust)
  return { check, state }
}

const DATA = new Uint8Array(PIECE)

describe('serve check', () => {
  test('an unchanged, verified file is served without hashing', () => {
    const { check, state } = fakeCheck({ kind: 'stamps', stamps: ['s1'] })
    for (let p = 0; p < PIECES; p++) assert.equal(check.accept(p, DATA), true)
    assert.equal(state.hashed, 0)
  })

  test('after a change every piece is hashed, a bad one refused, until the file is verified whole again', () => {
    const { check, state } = fakeCheck({ kind: 'stamps', stamps: ['s1'] })
    state.stamp = 's2'
    state.good.delete(2)
    assert.equal(check.accept(2, DATA), false, 'an edited piece is never served')
    assert.equal(check.accept(0, DATA), true)
    assert.equal(state.hashed, 2)
    // The edit is undone (a new stamp again): trusted only once each of its pieces was found good.
    state.stamp = 's3'
    state.good.add(2)
    for (let p = 0; p < PIECES; p++) assert.equal(check.accept(p, DATA), true)
    assert.equal(state.hashed, 2 + PIECES)
    for (let p = 0; p < PIECES; p++) assert.equal(check.accept(p, DATA), true)
    assert.equal(state.hashed, 2 + PIECES, 'no hashing once re-verified')
  })

  test('a change in the middle of re-verification starts it over', () => {
    const { check, state } = fakeCheck({ kind: 'unknown' })
    for (let p = 0; p < PIECES - 1; p++) check.accept(p, DATA)
    state.stamp = 's2'
    check.accept(PIECES - 1, DATA)
    const hashed = state.hashed
    check.accept(0, DATA)
    assert.equal(state.hashed, hashed + 1, 'still hashing: pieces 0..2 were checked under the old stamp')
  })

  test('a sampled piece that fails, stamp unchanged, makes its file untrusted', () => {
    let roll = 1
    const { check, state } = fakeCheck({ kind: 'stamps', stamps: ['s1'] }, () => roll)
    state.good.delete(1) // bytes changed with no visible stamp change (e.g. a failing disk)
    roll = SERVE_SAMPLE_RATE / 2
    assert.equal(check.accept(1, DATA), false)
    roll = 1
    assert.equal(check.accept(1, DATA), false, 'hashed from now on, so still refused')
    assert.equal(check.accept(0, DATA), true)
    assert.equal(state.hashed, 3)
  })

  test('files written here are served unhashed except for the sample', () => {
    let roll = 1
    const { check, state } = fakeCheck({ kind: 'own-writes' }, () => roll)
    state.stamp = 'changes with every write'
    assert.equal(check.accept(0, DATA), true)
    assert.equal(state.hashed, 0)
    roll = 0
    assert.equal(check.accept(0, DATA), true)
    assert.equal(state.hashed, 1)
  })
})

describe('a shared file edited after sharing is never served as the old content', () => {
  async function shared (): Promise<{ dir: string, path: string, original: Buffer, content: SwarmContent }> {
    const dir = await mkdtemp(join(tmpdir(), 'shoal-serve-check-'))
    const path = join(dir, 'file.bin')
    const original = randomBytes(PIECES * PIECE)
    await writeFile(path, original)
    const built = await buildContent(path, { pieceSize: PIECE })
    assert.equal(typeof built.stamps[0], 'string', 'the file did not change while it was hashed')
    const files = new PieceFiles(new PieceLayout(built.manifest), built.manifest, built.rootPath)
    const content = new SwarmContent({ cid: built.cid, signed: new Uint8Array(0), manifest: built.manifest, publisher: 'me', hashes: built.hashes, files, trust: { kind: 'stamps', stamps: built.stamps } })
    return { dir, path, original, content }
  }

  async function editInPlace (path: string, piece: number): Promise<void> {
    const handle = await open(path, 'r+')
    try {
      await handle.write(randomBytes(100), 0, 100, piece * PIECE + 10)
    } finally {
      await handle.close()
    }
  }

  const pieceOf = (buffer: Buffer, piece: number): Buffer => buffer.subarray(piece * PIECE, (piece + 1) * PIECE)

  test('edited in place: the edited piece is refused, the others still served as shared', async () => {
    const { dir, path, original, content } = await shared()
    try {
      for (let p = 0; p < PIECES; p++) assert.deepEqual(Buffer.from(await content.readVerifiedPiece(p) as Uint8Array), pieceOf(original, p))
      await editInPlace(path, 2)
      assert.equal(await content.readVerifiedPiece(2), undefined)
      assert.deepEqual(Buffer.from(await content.readVerifiedPiece(1) as Uint8Array), pieceOf(original, 1))
      // Put back as it was: served again.
      await writeFile(path, original)
      for (let p = 0; p < PIECES; p++) assert.deepEqual(Buffer.from(await content.readVerifiedPiece(p) as Uint8Array), pieceOf(original, p))
    } finally {
      await content.files.close()
      await rm(dir, { recursive: true, force: true })
    }
  })

  test('edited with its old mtime put back: still refused (ctime shows the change)', async () => {
    const { dir, path, content } = await shared()
    try {
      const before = await stat(path)
      await editInPlace(path, 0)
      await utimes(path, before.atime, before.mtime)
      assert.equal(await content.readVerifiedPiece(0), undefined)
    } finally {
      await content.files.close()
      await rm(dir, { recursive: true, force: true })
    }
  })

  test('replaced by a rename with other bytes of the same size: refused', async () => {
    const { dir, path, original, content } = await shared()
    try {
      await content.readVerifiedPiece(3) // the old file's handle is open and cached
      const other = Buffer.from(original)
      other.writeUInt8(other.readUInt8(3 * PIECE + 5) ^ 0xff, 3 * PIECE + 5)
      await writeFile(join(dir, 'new.bin'), other)
      await rename(join(dir, 'new.bin'), path)
      const served = await content.readVerifiedPiece(3)
      // The cached handle may still read the old inode's bytes (the true old content); never the new ones.
      if (served !== undefined) assert.deepEqual(Buffer.from(served), pieceOf(original, 3))
      assert.notDeepEqual(pieceOf(await readFile(path), 3), pieceOf(original, 3))
    } finally {
      await content.files.close()
      await rm(dir, { recursive: true, force: true })
    }
  })
})
