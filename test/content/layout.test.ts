import { test } from 'node:test'
import { strict as assert } from 'node:assert'
import { ErrorCode } from '../../src/errors.js'
import { PieceLayout } from '../../src/content/layout.js'
import { choosePieceSize } from '../../src/content/piece-size.js'
import type { Manifest } from '../../src/content/manifest.js'

const KiB = 1024
const MiB = 1024 * KiB
const GiB = 1024 * MiB
const PIECE = 16 * KiB
const ROOT = '0'.repeat(64)

function layoutOf (sizes: number[], pieceSize = PIECE): PieceLayout {
  const manifest: Manifest = {
    version: 1,
    name: 'share',
    kind: 'dir',
    pieceSize,
    files: sizes.map((size, i) => ({ path: `f${String(i).padStart(3, '0')}`, size, root: ROOT }))
  }
  return new PieceLayout(manifest)
}

test('choosePieceSize', () => {
  assert.equal(choosePieceSize(0), 16 * KiB)
  assert.equal(choosePieceSize(1), 16 * KiB)
  assert.equal(choosePieceSize(16 * MiB), 16 * KiB)
  assert.equal(choosePieceSize(16 * MiB + 1), 32 * KiB)
  assert.equal(choosePieceSize(64 * MiB), 64 * KiB)
  assert.equal(choosePieceSize(256 * MiB), 256 * KiB)
  assert.equal(choosePieceSize(GiB), MiB)
  assert.equal(choosePieceSize(GiB + 1), 2 * MiB)
  assert.equal(choosePieceSize(4 * GiB), 4 * MiB)
  assert.equal(choosePieceSize(1024 * GiB), 4 * MiB)
  assert.throws(() => choosePieceSize(-1), { code: ErrorCode.BadArgument })
  assert.throws(() => choosePieceSize(Number.NaN), { code: ErrorCode.BadArgument })
})

test('sizes not a multiple of the piece size: short last pieces, each file starts a piece', () => {
  const layout = layoutOf([PIECE + 100, 5, 3 * PIECE])
  assert.equal(layout.pieceCount, 2 + 1 + 3)
  assert.equal(layout.totalSize, PIECE + 100 + 5 + 3 * PIECE)
  assert.equal(layout.pieceSize, PIECE)
  assert.deepEqual(layout.locate(0), { piece: 0, file: 0, offset: 0, length: PIECE })
  assert.deepEqual(layout.locate(1), { piece: 1, file: 0, offset: PIECE, length: 100 })
  assert.deepEqual(layout.locate(2), { piece: 2, file: 1, offset: 0, length: 5 })
  assert.deepEqual(layout.locate(5), { piece: 5, file: 2, offset: 2 * PIECE, length: PIECE })
  assert.deepEqual([0, 1, 2].map(f => layout.firstPiece(f)), [0, 2, 3])
  assert.deepEqual([0, 1, 2].map(f => layout.pieceCountOf(f)), [2, 1, 3])
})

test('0-byte files have no pieces and are never located', () => {
  const layout = layoutOf([0, 0, 10, 0, PIECE * 2, 0])
  assert.equal(layout.pieceCount, 3)
  assert.deepEqual([0, 1, 2, 3, 4, 5].map(f => layout.pieceCountOf(f)), [0, 0, 1, 0, 2, 0])
  assert.deepEqual([0, 1, 2].map(p => layout.fileOf(p)), [2, 4, 4])
  assert.equal(layout.firstPiece(3), 1)
  assert.equal(layout.firstPiece(5), 3)
  const empty = layoutOf([0, 0])
  assert.equal(empty.pieceCount, 0)
  assert.throws(() => empty.locate(0), { code: ErrorCode.BadArgument })
})

test('every piece maps back to its file (many files)', () => {
  const sizes = Array.from({ length: 200 }, (_, i) => (i * 7919) % (4 * PIECE))
  const layout = layoutOf(sizes)
  let piece = 0
  for (let file = 0; file < sizes.length; file++) {
    assert.equal(layout.firstPiece(file), piece)
    let covered = 0
    for (let i = 0; i < layout.pieceCountOf(file); i++, piece++) {
      const at = layout.locate(piece)
      assert.equal(at.file, file)
      assert.equal(at.offset, covered)
      covered += at.length
    }
    assert.equal(covered, sizes[file])
  }
  assert.equal(piece, layout.pieceCount)
})

test('out-of-range arguments throw BadArgument', () => {
  const layout = layoutOf([PIECE])
  for (const bad of [-1, 1, 0.5, Number.NaN]) {
    assert.throws(() => layout.locate(bad), { code: ErrorCode.BadArgument }, String(bad))
  }
  assert.throws(() => layout.firstPiece(1), { code: ErrorCode.BadArgument })
  assert.throws(() => layout.pieceCountOf(-1), { code: ErrorCode.BadArgument })
})
