/**
 * Lists the regular files under a folder, recursively, for sharing. Symbolic links and special
 * files (sockets, FIFOs, devices) are not followed or shared but reported, so a folder can never
 * leak files from outside itself and a walk can never loop.
 */
import type { Stats } from 'node:fs'
import { lstat, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { ShoalError, ErrorCode } from '../errors.js'
import { MAX_FILES } from './manifest.js'
import { compareUtf8, isSafeSegment, MAX_PATH_BYTES, utf8Length } from './safe-path.js'
import { fromFsError, throwIfAborted } from './fs-errors.js'

export interface WalkedFile {
  /** '/'-separated path relative to the shared folder. */
  path: string
  absolutePath: string
  size: number
}

export interface WalkResult {
  /** Sorted by path in UTF-8 byte order, as a manifest lists them. */
  files: WalkedFile[]
  /** Relative paths left out (symbolic links, special files), sorted. */
  skipped: string[]
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

export async function walkFolder (rootPath: string, signal?: AbortSignal): Promise<WalkResult> {
  const files: WalkedFile[] = []
  const skipped: string[] = []
  const pending: string[] = [''] // relative folder paths still to list; '' is the root

  for (let folder = pending.pop(); folder !== undefined; folder = pending.pop()) {
    throwIfAborted(signal)
    const folderPath = folder === '' ? rootPath : join(rootPath, folder)
    let entries
    try {
      // Names as bytes, so a name that is not UTF-8 is reported instead of silently mangled.
      entries = await readdir(folderPath, { withFileTypes: true, encoding: 'buffer' })
    } catch (err) {
      throw fromFsError(err, folderPath)
    }
    for (const entry of entries) {
      const name = decodeName(entry.name, folderPath)
      const path = folder === '' ? name : `${folder}/${name}`
      if (!entry.isFile() && !entry.isDirectory()) {
        skipped.push(path)
        continue
      }
      checkName(name, path)
      if (entry.isDirectory()) {
        pending.push(path)
        continue
      }
      const absolutePath = join(rootPath, path)
      const stats = await lstatOrThrow(absolutePath)
      if (!stats.isFile()) { // replaced since it was listed
        skipped.push(path)
        continue
      }
      if (files.length >= MAX_FILES) {
        throw new ShoalError(ErrorCode.BadArgument, `too many files to share in one go (limit ${MAX_FILES}): ${rootPath}`)
      }
      files.push({ path, absolutePath, size: stats.size })
    }
  }
  files.sort((a, b) => compareUtf8(a.path, b.path))
  skipped.sort(compareUtf8)
  return { files, skipped }
}

function decodeName (raw: Uint8Array, folderPath: string): string {
  try {
    return strictUtf8.decode(raw)
  } catch {
    const shown = Buffer.from(raw).toString('utf8')
    throw new ShoalError(ErrorCode.BadArgument, `cannot share ${JSON.stringify(shown)} in ${folderPath}: its name is not valid UTF-8`)
  }
}

function checkName (name: string, path: string): void {
  if (!isSafeSegment(name)) {
    throw new ShoalError(ErrorCode.BadArgument,
      `cannot share ${JSON.stringify(path)}: its name is not allowed on every system (reserved, control characters or too long); rename it`)
  }
  if (utf8Length(path) > MAX_PATH_BYTES) {
    throw new ShoalError(ErrorCode.BadArgument, `cannot share ${JSON.stringify(path)}: path longer than ${MAX_PATH_BYTES} bytes`)
  }
}

async function lstatOrThrow (path: string): Promise<Stats> {
  try {
    return await lstat(path)
  } catch (err) {
    throw fromFsError(err, path)
  }
}
