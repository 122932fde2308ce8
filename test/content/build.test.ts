import { test, before, after } from 'node:test'
import { strict as assert } from 'node:assert'
import { createHash, randomBytes } from 'node:crypto'
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ErrorCode } from '../../src/errors.js'
import { buildContent } from '../../src/content/build.js'
import { decodeManifest, encodeManifest, manifestCid } from '../../src/content/manifest.js'
import { merkleRoot } from '../../src/content/merkle.js'

const PIECE = 16 * 1024
let base: string
let share: string
let socketServer: Server | undefined

/** Content of the test folder; the order is the expected manifest order (UTF-8 byte order of paths). */
const FILES: Array<[string, Buffer]> = [
  ['a.b/c', Buffer.from('in a.b')],
  ['a.txt', Buffer.from('hello')],
  ['a/z', randomBytes(PIECE)],
  ['empty.bin', Buffer.alloc(0)],
  ['sub/deep/big.bin', randomBytes(3 * PIECE + 123)],
  ['sub/x.txt', randomBytes(PIECE - 1)]
]

before(async () => {
  base = await mkdtemp(join(tmpdir(), 'shoal-build-'))
  share = join(base, 'share')
  for (const [path, data] of FILES) {
    await mkdir(join(share, path, '..'), { recursive: true })
    await writeFile(join(share, path), data)
  }
  await writeFile(join(base, 'outside.txt'), 'not part of the share')
  await symlink(join(share, 'a.txt'), join(share, 'link'))
  await symlink(base, join(share, 'sub', 'escape'))
  await mkdir(join(share, 'empty-folder'))
  socketServer = createServer()
  await new Promise<void>(resolve => socketServer!.listen(join(share, 'sock'), resolve))
})

after(async () => {
  await new Promise<void>(resolve => socketServer === undefined ? resolve() : socketServer.close(() => resolve()))
  await rm(base, { recursive: true, force: true })
})

/** Piece hashes computed the obvious way, whole file in memory. */
function expectedHashes (data: Buffer): Buffer[] {
  const out: Buffer[] = []
  for (let offset = 0; offset < data.length; offset += PIECE) {
    out.push(createHash('sha256').update(data.subarray(offset, offset + PIECE)).digest())
  }
  return out
}

test('builds a nested folder: sorted paths, hashes and roots match recomputation', async () => {
  const progress: number[] = []
  const totalBytes = FILES.reduce((sum, [, d]) => sum + d.length, 0)
  const built = await buildContent(share, { onProgress: (done, total) => { progress.push(done); assert.equal(total, totalBytes) } })
  assert.equal(built.rootPath, share)
  assert.equal(built.manifest.kind, 'dir')
  assert.equal(built.manifest.name, 'share')
  assert.equal(built.manifest.pieceSize, PIECE)
  assert.deepEqual(built.manifest.files.map(f => [f.path, f.size]), FILES.map(([p, d]) => [p, d.length]))
  assert.deepEqual(built.skipped, ['link', 'sock', 'sub/escape'])

  const all: Buffer[] = []
  for (const [i, [, data]] of FILES.entries()) {
    const hashes = expectedHashes(data)
    all.push(...hashes)
    assert.equal(built.manifest.files[i]!.root, Buffer.from(merkleRoot(Buffer.concat(hashes))).toString('hex'), FILES[i]![0])
  }
  assert.ok(Buffer.from(built.hashes).equals(Buffer.concat(all)))
  assert.equal(built.hashes.length, (1 + 1 + 1 + 0 + 4 + 1) * 32)

  assert.deepEqual(built.bytes, encodeManifest(built.manifest))
  assert.deepEqual(decodeManifest(built.bytes), built.manifest)
  assert.ok(built.cid.equals(manifestCid(built.bytes)))
  assert.deepEqual(progress, [...progress].sort((x, y) => x - y))
  assert.equal(progress.at(-1), totalBytes)
})

test('same content gives the same CID; one changed byte changes the CID and only that root', async () => {
  const first = await buildContent(share)
  const again = await buildContent(share + '/')
  assert.ok(first.cid.equals(again.cid))

  const target = join(share, 'sub/deep/big.bin')
  const original = await readFile(target)
  const changed = Buffer.from(original)
  changed[2 * PIECE + 5]! ^= 0xff
  await writeFile(target, changed)
  try {
    const after = await buildContent(share)
    assert.ok(!after.cid.equals(first.cid))
    const changedRoots = after.manifest.files.filter((f, i) => f.root !== first.manifest.files[i]!.root).map(f => f.path)
    assert.deepEqual(changedRoots, ['sub/deep/big.bin'])
  } finally {
    await writeFile(target, original)
  }
})

test('a single file, with an explicit piece size', async () => {
  const built = await buildContent(join(share, 'sub/deep/big.bin'), { pieceSize: 2 * PIECE })
  assert.equal(built.manifest.kind, 'file')
  assert.equal(built.manifest.name, 'big.bin')
  assert.deepEqual(built.manifest.files.map(f => f.path), ['big.bin'])
  assert.equal(built.manifest.pieceSize, 2 * PIECE)
  assert.equal(built.hashes.length, 2 * 32)
  assert.deepEqual(built.skipped, [])
  await assert.rejects(buildContent(share, { pieceSize: 1000 }), { code: ErrorCode.BadArgument })
})

test('an empty folder and a 0-byte file', async () => {
  const folder = await buildContent(join(share, 'empty-folder'))
  assert.deepEqual(folder.manifest.files, [])
  assert.equal(folder.hashes.length, 0)
  const file = await buildContent(join(share, 'empty.bin'))
  assert.equal(file.manifest.files[0]!.root, createHash('sha256').digest('hex'))
  assert.equal(file.hashes.length, 0)
})

test('missing path, bad names, cancellation', async () => {
  const missing = join(base, 'nope')
  await assert.rejects(buildContent(missing), { code: ErrorCode.PathNotFound, message: `no such file or folder: ${missing}` })

  const bad = join(base, 'bad')
  await mkdir(join(bad, 'ok'), { recursive: true })
  await writeFile(join(bad, 'ok', 'CON.txt'), 'x')
  await assert.rejects(buildContent(bad), (err: any) => err.code === ErrorCode.BadArgument && err.message.includes('ok/CON.txt'))
  await rm(join(bad, 'ok', 'CON.txt'))
  await writeFile(join(bad, 'ok', 'line\nbreak'), 'x')
  await assert.rejects(buildContent(bad), (err: any) => err.code === ErrorCode.BadArgument && !err.message.includes('\n'))
  await rm(join(bad, 'ok', 'line\nbreak'))
  await writeFile(Buffer.concat([Buffer.from(join(bad, 'ok') + '/'), Buffer.from([0x66, 0xff])]), 'x')
  await assert.rejects(buildContent(bad), (err: any) => err.code === ErrorCode.BadArgument && /UTF-8/.test(err.message))

  await assert.rejects(buildContent(share, { signal: AbortSignal.abort() }), { code: ErrorCode.Aborted })
  const controller = new AbortController()
  await assert.rejects(buildContent(share, { onProgress: () => controller.abort(), signal: controller.signal }), { code: ErrorCode.Aborted })
})

test('unreadable file', { skip: process.getuid?.() === 0 ? 'root can read anything' : false }, async () => {
  const locked = join(base, 'locked')
  await mkdir(locked)
  await writeFile(join(locked, 'secret'), 'x')
  await chmod(join(locked, 'secret'), 0)
  await assert.rejects(buildContent(locked), (err: any) => err.code === ErrorCode.PathNotFound && /cannot read .*secret: permission denied/.test(err.message))
})
