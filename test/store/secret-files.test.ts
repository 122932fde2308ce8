/** Sealing a share into a secret content's folder and opening it again: both layers are checked. */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp, open, readdir, readFile, rm, truncate, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { buildContent } from '../../src/content/build.js'
import { encodeSignedManifest, signManifest } from '../../src/content/envelope.js'
import { dataPath, plainSizeOf, sealedSize, SEGMENT_BYTES, TAG_BYTES } from '../../src/content/secret.js'
import { ErrorCode, ShoalError } from '../../src/errors.js'
import { openFolder, sealFolder } from '../../src/store/secret-files.js'
import { hashTree, writeRandomTree } from '../helpers/swarm.js'

const SIZES = { 'a.bin': 3 * SEGMENT_BYTES + 17, 'empty.txt': 0, 'sub/b.bin': 70_000 }

async function sealed (t: { after: (fn: () => Promise<void>) => void }): Promise<{ root: string, key: Uint8Array, source: string, work: string }> {
  const work = await mkdtemp(join(tmpdir(), 'shoal-secret-'))
  t.after(async () => await rm(work, { recursive: true, force: true }))
  const source = join(work, 'photos')
  await writeRandomTree(source, SIZES)
  const built = await buildContent(source, { pieceSize: 16 * 1024 })
  const envelope = encodeSignedManifest(await signManifest(built.bytes, await generateKeyPair('Ed25519')))
  const key = randomBytes(32)
  const files = built.manifest.files.map(f => ({ ...f, absolutePath: join(source, f.path) }))
  const root = await sealFolder(join(work, 'sealed'), files, built.manifest.pieceSize, envelope, key)
  return { root, key, source, work }
}

async function rejects (promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => err instanceof ShoalError && err.code === code)
}

test('sealed sizes: every plaintext size maps to one sealed size and back', () => {
  for (const size of [0, 1, SEGMENT_BYTES - 1, SEGMENT_BYTES, SEGMENT_BYTES + 1, 10 * SEGMENT_BYTES]) {
    assert.equal(plainSizeOf(sealedSize(size)), size)
  }
  assert.equal(sealedSize(0), TAG_BYTES, 'an empty file is one empty sealed segment')
  assert.equal(plainSizeOf(TAG_BYTES - 1), undefined)
})

test('a sealed folder opens with its key into the same files', async (t) => {
  const { root, key, source, work } = await sealed(t)
  const output = join(work, 'out')
  const opened = await openFolder(root, key, output)
  assert.equal(opened.path, join(output, 'photos'))
  assert.deepEqual(await hashTree(opened.path), await hashTree(source))
  const outer = await stat(join(root, dataPath(0)))
  assert.equal(outer.size, sealedSize(SIZES['a.bin']))
})

test('a wrong key is BAD_KEY and nothing is written at the output', async (t) => {
  const { root, work } = await sealed(t)
  const output = join(work, 'out')
  await rejects(openFolder(root, randomBytes(32), output), ErrorCode.BadKey)
  assert.deepEqual(await readdir(output).catch(() => []), [])
})

test('a flipped byte or a cut file in the sealed copy is refused, and nothing is left at the output', async (t) => {
  const { root, key, work } = await sealed(t)
  const output = join(work, 'out')
  const handle = await open(join(root, dataPath(2)), 'r+')
  const byte = Buffer.alloc(1)
  await handle.read(byte, 0, 1, 1000)
  byte[0] = byte[0]! ^ 0x01
  await handle.write(byte, 0, 1, 1000)
  await handle.close()
  await rejects(openFolder(root, key, output), ErrorCode.BadManifest)
  assert.deepEqual((await readdir(output)).filter(name => !name.startsWith('.shoal-probe')), [])

  const { root: root2, key: key2, work: work2 } = await sealed(t)
  await truncate(join(root2, dataPath(0)), sealedSize(SIZES['a.bin']) - SEGMENT_BYTES - TAG_BYTES)
  await rejects(openFolder(root2, key2, join(work2, 'out')), ErrorCode.BadManifest)
})

test('no plaintext byte run and no name appears in the sealed folder', async (t) => {
  const { root, source } = await sealed(t)
  const names = await readdir(root, { recursive: true })
  for (const name of names) assert.ok(!name.includes('photos') && !name.includes('.bin') && !name.includes('empty'), name)
  const plain = await readFile(join(source, 'a.bin'))
  const marker = plain.subarray(100, 132)
  for (const name of names) {
    const path = join(root, name)
    if ((await stat(path)).isFile()) {
      const bytes = await readFile(path)
      assert.equal(bytes.indexOf(marker), -1, `${name} holds plaintext`)
    }
  }
})
