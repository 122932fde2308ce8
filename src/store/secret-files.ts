/**
 * Sealing a content's files into a secret content's folder (content/secret.ts), and opening such
 * a folder back into plaintext at an output. Both stream one segment at a time, and both check the
 * plaintext against the inner manifest's Merkle roots: sealing catches a file edited since it was
 * hashed, opening checks the second layer after the outer pieces were verified by the swarm.
 */
import { constants } from 'node:fs'
import { mkdir, open, readdir, readFile, rm, stat, type FileHandle } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { MAX_SIGNED_MANIFEST_BYTES } from '../content/envelope.js'
import type { Manifest } from '../content/manifest.js'
import { RootHasher } from '../content/root-hasher.js'
import {
  dataPath, fileKey, sealManifest, segmentAad, segmentCount, segmentNonce,
  SECRET_CONTENT_NAME, SECRET_DATA_FOLDER, SECRET_MANIFEST_PATH, SEGMENT_BYTES, TAG_BYTES, type SecretCipher
} from '../content/secret.js'
import { openInnerManifest, SealedFile, secretDamaged } from '../content/secret-open.js'
import { ErrorCode, ShoalError } from '../errors.js'
import { checkFreeSpace } from './disk-space.js'
import { checkOutputDir, commitDownload, downloadPaths, exists } from './download-paths.js'
import { nodeSecretCipher } from './secret-cipher.js'

/** Folder of the data directory holding sealed (outer) copies of secret contents. */
export const SECRETS_DIR = 'secrets'

/** A file of the share being sealed: its manifest entry and where its bytes are. */
export interface PlainFile {
  path: string
  size: number
  root: string
  absolutePath: string
}

/** Writes `<folder>/<SECRET_CONTENT_NAME>/…` for these files and the inner envelope; returns that path. */
export async function sealFolder (folder: string, files: PlainFile[], pieceSize: number, envelope: Uint8Array, contentKey: Uint8Array, cipher: SecretCipher = nodeSecretCipher): Promise<string> {
  const root = join(folder, SECRET_CONTENT_NAME)
  await mkdir(join(root, dataPath(0), '..'), { recursive: true })
  for (const [index, file] of files.entries()) {
    const input = await open(file.absolutePath, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0)).catch((err: unknown) => {
      throw new ShoalError(ErrorCode.PathNotFound, `cannot read ${file.absolutePath}: ${String((err as Error).message)}`)
    })
    const output = await open(join(root, dataPath(index)), 'wx')
    try {
      const hasher = new RootHasher(pieceSize)
      const key = fileKey(cipher, contentKey, index)
      const segments = segmentCount(file.size)
      const buffer = Buffer.allocUnsafe(SEGMENT_BYTES)
      for (let segment = 0; segment < segments; segment++) {
        const length = Math.min(SEGMENT_BYTES, file.size - segment * SEGMENT_BYTES)
        const plain = await readExactly(input, buffer, length, segment * SEGMENT_BYTES)
        hasher.update(plain)
        await writeAll(output, cipher.seal(key, segmentNonce(segment), segmentAad(index, segment, segment === segments - 1), plain))
      }
      if (hasher.root() !== file.root) {
        throw new ShoalError(ErrorCode.BadArgument, `file changed while it was being shared, try again: ${file.absolutePath}`)
      }
    } finally {
      await input.close()
      await output.close()
    }
  }
  const manifest = await open(join(root, SECRET_MANIFEST_PATH), 'wx')
  try {
    await writeAll(manifest, sealManifest(cipher, contentKey, envelope))
  } finally {
    await manifest.close()
  }
  return root
}

export interface OpenedContent {
  /** The inner (real) content ID. */
  innerCid: string
  manifest: Manifest
  publisher: string
  /** Where the plaintext was written: `<output>/<name>`. */
  path: string
}

/**
 * Opens the verified outer folder `sealedRoot` with the content key and writes the plaintext to
 * `<outputDir>/<inner name>` (through a partial name, renamed once every file checked out).
 * Wrong key: BAD_KEY, before anything is written at the output.
 */
export async function openFolder (sealedRoot: string, contentKey: Uint8Array, outputDir: string, cipher: SecretCipher = nodeSecretCipher): Promise<OpenedContent> {
  const sealed = await readBounded(join(sealedRoot, SECRET_MANIFEST_PATH), MAX_SIGNED_MANIFEST_BYTES + TAG_BYTES)
  const outerFiles = (await readdir(join(sealedRoot, SECRET_DATA_FOLDER)).catch(() => [])).length
  const sizes = await Promise.all(Array.from({ length: outerFiles }, async (_, index) => (await stat(join(sealedRoot, dataPath(index))).catch(() => undefined))?.size))
  const { innerCid, manifest, publisher } = await openInnerManifest(cipher, contentKey, sealed, sizes)
  await checkOutputDir(outputDir)
  const paths = downloadPaths(outputDir, manifest.name)
  if (await exists(paths.final)) throw new ShoalError(ErrorCode.OutputExists, `${paths.final} already exists; remove it or choose another --output`)
  const total = manifest.files.reduce((sum, f) => sum + f.size, 0)
  await checkFreeSpace(outputDir, paths.partial, total)
  await rm(paths.partial, { recursive: true, force: true })
  try {
    for (const [index, file] of manifest.files.entries()) {
      const target = manifest.kind === 'file' ? paths.partial : join(paths.partial, file.path)
      await mkdir(dirname(target), { recursive: true })
      await openFile(join(sealedRoot, dataPath(index)), target, new SealedFile(cipher, contentKey, index, file, manifest.pieceSize))
    }
    await commitDownload(paths)
  } catch (err) {
    await rm(paths.partial, { recursive: true, force: true }).catch(() => {})
    throw err
  }
  return { innerCid, manifest, publisher, path: paths.final }
}

async function openFile (source: string, target: string, sealed: SealedFile): Promise<void> {
  const input = await open(source, 'r')
  const output = await open(target, 'wx')
  try {
    const buffer = Buffer.allocUnsafe(SEGMENT_BYTES + TAG_BYTES)
    for (let segment = 0; segment < sealed.segments; segment++) {
      const { offset, length } = sealed.range(segment)
      await writeAll(output, await sealed.open(await readExactly(input, buffer, length, offset)))
    }
    sealed.finish()
  } finally {
    await input.close()
    await output.close()
  }
}

async function readExactly (handle: FileHandle, buffer: Buffer, length: number, position: number): Promise<Buffer> {
  let filled = 0
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled)
    if (bytesRead === 0) throw secretDamaged('a file is shorter than its manifest says')
    filled += bytesRead
  }
  return buffer.subarray(0, length)
}

async function writeAll (handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let written = 0
  while (written < bytes.byteLength) {
    const result = await handle.write(bytes, written, bytes.byteLength - written)
    written += result.bytesWritten
  }
}

async function readBounded (path: string, limit: number): Promise<Uint8Array> {
  const info = await stat(path)
  if (info.size > limit) throw secretDamaged('the sealed manifest is too large')
  return new Uint8Array(await readFile(path))
}
