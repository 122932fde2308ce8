/**
 * Free-space check before a download allocates anything: a manifest may declare any size up to
 * Number.MAX_SAFE_INTEGER bytes, so the space it needs is compared with what the filesystem has
 * left before a single file is created.
 */
import { lstat, readdir, statfs } from 'node:fs/promises'
import { join } from 'node:path'
import { ErrorCode, ShoalError } from '../errors.js'
import { errnoOf } from './fs-errors.js'

/** Bytes per block in `stat().blocks`, whatever the filesystem's block size. */
const STAT_BLOCK_BYTES = 512

/**
 * Throws ShoalError(DiskFull) unless the filesystem holding `dir` has room for `totalBytes` of
 * content, counting what the partial download at `partial` (file or folder, if any) already takes.
 */
export async function checkFreeSpace (dir: string, partial: string, totalBytes: number): Promise<void> {
  const fs = await statfs(dir)
  const free = Number(fs.bavail) * Number(fs.bsize)
  const needed = totalBytes - await allocatedBytes(partial)
  if (needed > free) {
    throw new ShoalError(ErrorCode.DiskFull,
      `not enough space in ${dir}: the download needs ${formatSize(needed)} more, ${formatSize(free)} free`)
  }
}

/** Bytes on disk (blocks really allocated, so sparse holes do not count) under `path`. */
export async function allocatedBytes (path: string): Promise<number> {
  let info
  try {
    info = await lstat(path)
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return 0
    throw err
  }
  if (info.isFile()) return info.blocks * STAT_BLOCK_BYTES
  if (!info.isDirectory()) return 0
  let sum = 0
  for (const entry of await readdir(path)) sum += await allocatedBytes(join(path, entry))
  return sum
}

function formatSize (bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`
}
