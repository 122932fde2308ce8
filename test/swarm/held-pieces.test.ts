/**
 * A small content being downloaded keeps its verified pieces in memory until its files are final
 * (swarm/common/swarm-content.ts, HELD_CONTENT_BYTES): a reader is served while the download is
 * committed (its partial file synced, closed and renamed), never made to wait or fail for it. A
 * larger content is always read from its files.
 */
import { test } from 'node:test'
import { strict as assert } from 'node:assert'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildContent } from '../../src/content/build.js'
import { PieceLayout } from '../../src/content/layout.js'
import { PieceFiles } from '../../src/store/piece-files.js'
import { Bitfield } from '../../src/swarm/wire/bitfield.js'
import { SwarmContent } from '../../src/swarm/common/swarm-content.js'
import { HELD_CONTENT_BYTES } from '../../src/swarm/common/constants.js'

/** A content of `size` bytes being downloaded into `partial` (no piece verified yet) and the source bytes. */
async function downloading (dir: string, size: number, pieceSize: number): Promise<{ content: SwarmContent, bytes: Buffer, partial: string, source: string }> {
  const source = join(dir, 'source.bin')
  const bytes = randomBytes(size)
  await writeFile(source, bytes)
  const built = await buildContent(source, { pieceSize })
  const layout = new PieceLayout(built.manifest)
  const partial = join(dir, '.partial')
  const files = new PieceFiles(layout, built.manifest, partial)
  await files.prepare()
  const content = new SwarmContent({ cid: built.cid, signed: new Uint8Array(0), manifest: built.manifest, publisher: 'me', hashes: built.hashes, files, bitfield: new Bitfield(layout.pieceCount), trust: { kind: 'own-writes' } })
  return { content, bytes, partial, source }
}

test('a small content\'s verified piece is served from memory while its files are being committed', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-held-'))
  try {
    const { content, bytes, source } = await downloading(dir, 1024, 64 * 1024)
    await content.files.writePiece(0, bytes)
    content.addPiece(0, bytes)
    // The commit closes the partial file before the content learns the final one.
    await content.files.close()
    await rm(join(dir, '.partial'))
    assert.deepEqual(Buffer.from(await content.readVerifiedPiece(0) ?? []), bytes)
    // Final files in place: reads go to them, the memory copy is gone.
    await content.moveTo(new PieceFiles(content.layout, content.manifest, source))
    await rm(source)
    assert.equal(await content.readVerifiedPiece(0), undefined, 'read from the (now missing) final file, not from memory')
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

test('the memory copy is the reader\'s own: changing it changes nothing served later', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-held-'))
  try {
    const { content, bytes } = await downloading(dir, 1024, 64 * 1024)
    content.addPiece(0, bytes)
    const first = await content.readVerifiedPiece(0)
    first?.fill(0)
    assert.deepEqual(Buffer.from(await content.readVerifiedPiece(0) ?? []), bytes)
    content.dropHeld()
    await content.files.close()
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

test('a content larger than HELD_CONTENT_BYTES is read from its files only', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-held-'))
  try {
    const pieceSize = 64 * 1024
    const { content, bytes } = await downloading(dir, HELD_CONTENT_BYTES + pieceSize, pieceSize)
    const piece = bytes.subarray(0, pieceSize)
    await content.files.writePiece(0, piece)
    content.addPiece(0, piece)
    assert.deepEqual(Buffer.from(await content.readVerifiedPiece(0) ?? []), piece)
    await content.files.close()
    await rm(join(dir, '.partial'))
    assert.equal(await content.readVerifiedPiece(0), undefined)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})
