/**
 * Turns a file or folder on disk into a manifest, its content ID and all piece hashes.
 * Files are streamed piece by piece through one reused buffer, so memory stays at one piece
 * plus 32 bytes per piece whatever the size of the share.
 */
import { constants, type Stats } from 'node:fs'
import { open, stat, type FileHandle } from 'node:fs/promises'
import { basename, resolve } from 'node:path'
import type { CID } from 'multiformats/cid'
import { ShoalError, ErrorCode, isShoalError } from '../errors.js'
import {
  encodeManifest, isSafeSegment, isValidPieceSize, manifestCid,
  MAX_PIECE_SIZE, MAX_PIECES, MIN_PIECE_SIZE, type Manifest, type ManifestFile
} from './manifest.js'
import { HASH_BYTES, hashPiece, merkleRootHex } from './merkle.js'
import { choosePieceSize } from './piece-size.js'
import { walkFolder, type WalkedFile } from './walk.js'
import { fromFsError, throwIfAborted } from './fs-errors.js'
import { stampOf, type FileStamp } from './file-stamp.js'

export interface BuiltContent {
  manifest: Manifest
  /** Canonical manifest bytes; `cid` is their hash. */
  bytes: Uint8Array
  cid: CID
  /** Every piece's leaf hash in global piece order, pieceCount * 32 bytes. */
  hashes: Uint8Array
  /** Absolute path of the shared file or folder. */
  rootPath: string
  /** Relative paths not shared (symbolic links, sockets, ...). */
  skipped: string[]
  /** Per manifest file, its stamp while it was hashed; undefined if it changed during hashing. */
  stamps: Array<FileStamp | undefined>
}

export interface BuildOptions {
  /** Defaults to choosePieceSize(total size). */
  pieceSize?: number
  signal?: AbortSignal
  onProgress?: (hashedBytes: number, totalBytes: number) => void
}

/** Inside a shared folder a symlink must not be followed, even one swapped in after the walk. */
const NO_FOLLOW_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0)

export async function buildContent (path: string, options: BuildOptions = {}): Promise<BuiltContent> {
  const { signal, onProgress } = options
  throwIfAborted(signal)
  const rootPath = resolve(path)
  // The shared path itself is followed if it is a link: the user named it on purpose.
  const rootStats = await statRoot(rootPath, path)
  const name = basename(rootPath)
  if (!isSafeSegment(name)) {
    throw new ShoalError(ErrorCode.BadArgument,
      `cannot share ${JSON.stringify(path)}: its name is not allowed on every system (reserved, control characters or too long); rename it`)
  }

  if (!rootStats.isFile() && !rootStats.isDirectory()) {
    throw new ShoalError(ErrorCode.BadArgument, `not a regular file or folder: ${path}`)
  }
  const kind: Manifest['kind'] = rootStats.isFile() ? 'file' : 'dir'
  const { files, skipped } = kind === 'file'
    ? { files: [{ path: name, absolutePath: rootPath, size: rootStats.size }], skipped: [] }
    : await walkFolder(rootPath, signal)

  const totalBytes = files.reduce((sum, f) => sum + f.size, 0)
  const pieceSize = options.pieceSize ?? choosePieceSize(totalBytes)
  if (!isValidPieceSize(pieceSize)) {
    throw new ShoalError(ErrorCode.BadArgument,
      `piece size must be a power of two from ${MIN_PIECE_SIZE} to ${MAX_PIECE_SIZE}, not ${pieceSize}`)
  }
  const pieceCount = files.reduce((sum, f) => sum + Math.ceil(f.size / pieceSize), 0)
  if (pieceCount > MAX_PIECES) {
    throw new ShoalError(ErrorCode.BadArgument,
      `${path} would need ${pieceCount} pieces (limit ${MAX_PIECES}); use a larger piece size`)
  }

  const { hashes, entries, stamps } = await hashFiles(files, pieceCount, pieceSize, {
    followLinks: kind === 'file', signal, onProgress
  })
  const manifest: Manifest = { version: 1, name, kind, pieceSize, files: entries }
  const bytes = encodeOrExplain(manifest, path)
  return { manifest, bytes, cid: manifestCid(bytes), hashes, rootPath, skipped, stamps }
}

interface HashOptions {
  followLinks: boolean
  signal?: AbortSignal
  onProgress?: (hashedBytes: number, totalBytes: number) => void
}

/** Hashes every piece of every file in order, through one reused buffer; returns leaves and manifest entries. */
async function hashFiles (files: WalkedFile[], pieceCount: number, pieceSize: number, options: HashOptions): Promise<{ hashes: Uint8Array, entries: ManifestFile[], stamps: Array<FileStamp | undefined> }> {
  const { signal, onProgress } = options
  const totalBytes = files.reduce((sum, f) => sum + f.size, 0)
  const hashes = new Uint8Array(pieceCount * HASH_BYTES)
  const largestFile = files.reduce((max, f) => Math.max(max, f.size), 0)
  const buffer = Buffer.allocUnsafe(Math.max(1, Math.min(pieceSize, largestFile)))
  const entries: ManifestFile[] = []
  const stamps: Array<FileStamp | undefined> = []
  let firstPiece = 0
  let hashedBytes = 0
  for (const file of files) {
    const filePieces = Math.ceil(file.size / pieceSize)
    const handle = await openFile(file.absolutePath, options.followLinks)
    try {
      const before = await checkUnchanged(handle, file)
      for (let i = 0; i < filePieces; i++) {
        throwIfAborted(signal)
        const offset = i * pieceSize
        const length = Math.min(pieceSize, file.size - offset)
        await readExactly(handle, buffer, length, offset, file.absolutePath)
        hashes.set(hashPiece(buffer.subarray(0, length)), (firstPiece + i) * HASH_BYTES)
        hashedBytes += length
        onProgress?.(hashedBytes, totalBytes)
      }
      stamps.push(await stampIfUnchanged(file.absolutePath, before))
    } finally {
      await handle.close()
    }
    const leaves = hashes.subarray(firstPiece * HASH_BYTES, (firstPiece + filePieces) * HASH_BYTES)
    entries.push({ path: file.path, size: file.size, root: merkleRootHex(leaves) })
    firstPiece += filePieces
  }
  return { hashes, entries, stamps }
}

async function statRoot (rootPath: string, shownPath: string): Promise<Stats> {
  try {
    return await stat(rootPath)
  } catch (err) {
    throw fromFsError(err, shownPath)
  }
}

async function openFile (path: string, followLinks: boolean): Promise<FileHandle> {
  try {
    return await open(path, followLinks ? constants.O_RDONLY : NO_FOLLOW_FLAGS)
  } catch (err) {
    throw fromFsError(err, path)
  }
}

/** The manifest records sizes from the walk; a file edited since would not match its hashes. Returns its stamp. */
async function checkUnchanged (handle: FileHandle, file: WalkedFile): Promise<FileStamp> {
  const stats = await handle.stat({ bigint: true })
  if (!stats.isFile() || Number(stats.size) !== file.size) {
    throw new ShoalError(ErrorCode.BadArgument, `file changed while it was being shared, try again: ${file.absolutePath}`)
  }
  return stampOf(stats)
}

/** The file's stamp if its path still shows the stamp it had before it was hashed, else undefined (it changed meanwhile). */
async function stampIfUnchanged (path: string, before: FileStamp): Promise<FileStamp | undefined> {
  const after = await stat(path, { bigint: true }).then(stampOf, () => undefined)
  return after === before ? before : undefined
}

/** Fills buffer[0, length) from `position`; reads may return fewer bytes than asked. */
async function readExactly (handle: FileHandle, buffer: Buffer, length: number, position: number, path: string): Promise<void> {
  let filled = 0
  while (filled < length) {
    const bytesRead = await handle.read(buffer, filled, length - filled, position + filled).then(
      result => result.bytesRead,
      (err: unknown) => { throw fromFsError(err, path) }
    )
    if (bytesRead === 0) {
      throw new ShoalError(ErrorCode.BadArgument, `file got shorter while it was being shared, try again: ${path}`)
    }
    filled += bytesRead
  }
}

/** Walk-time checks cover names and counts; anything else the manifest rules reject is explained here. */
function encodeOrExplain (manifest: Manifest, path: string): Uint8Array {
  try {
    return encodeManifest(manifest)
  } catch (err) {
    if (!isShoalError(err)) throw err
    throw new ShoalError(ErrorCode.BadArgument, `cannot share ${path}: ${err.message}`, { cause: err })
  }
}
