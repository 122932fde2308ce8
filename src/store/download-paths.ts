/**
 * Where a download lives until it is verified. Pieces are written into a hidden partial file or
 * folder next to the destination; only once every piece checks out is it renamed into place, so
 * the destination name never holds incomplete or unverified data.
 */
import { createHash, randomBytes } from 'node:crypto'
import { constants as fsConstants } from 'node:fs'
import { access, lstat, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { ErrorCode, ShoalError } from '../errors.js'
import { errnoOf, isPermissionError } from './fs-errors.js'

export interface DownloadPaths {
  /** Where the verified content ends up: `<outputDir>/<name>`. */
  final: string
  /** Where it is written meanwhile: `<outputDir>/.<name>.shoal-partial` (file or folder). */
  partial: string
}

const PARTIAL_PREFIX = '.'
const PARTIAL_SUFFIX = '.shoal-partial'
const PROBE_PREFIX = '.shoal-probe-'
const PROBE_RANDOM_BYTES = 4
/** Most filesystems cap one name at 255 bytes; the partial name adds prefix and suffix to it. */
const MAX_NAME_BYTES = 255
/** Hex digits of the name's hash kept in a shortened partial name, to keep it unique. */
const NAME_HASH_CHARS = 12
/** Errors rename() gives when the destination is already taken (a non-empty folder). */
const TAKEN_ERRORS = new Set(['EEXIST', 'ENOTEMPTY'])

export function downloadPaths (outputDir: string, name: string): DownloadPaths {
  if (name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
    throw new ShoalError(ErrorCode.BadArgument, `not a usable file name: ${JSON.stringify(name)}`)
  }
  const dir = resolve(outputDir)
  return { final: join(dir, name), partial: join(dir, partialName(name)) }
}

/**
 * `.<name>.shoal-partial`, or, when that would exceed the filesystem's name limit, a shortened
 * name plus a hash of the full one (deterministic, so a resumed download finds it again).
 */
function partialName (name: string): string {
  const full = PARTIAL_PREFIX + name + PARTIAL_SUFFIX
  if (Buffer.byteLength(full) <= MAX_NAME_BYTES) return full
  const tag = '~' + createHash('sha256').update(name).digest('hex').slice(0, NAME_HASH_CHARS)
  let stem = ''
  for (const char of name) { // by code point, so a character is never cut in half
    if (Buffer.byteLength(PARTIAL_PREFIX + stem + char + tag + PARTIAL_SUFFIX) > MAX_NAME_BYTES) break
    stem += char
  }
  return PARTIAL_PREFIX + stem + tag + PARTIAL_SUFFIX
}

/** Makes sure `outputDir` exists (creating it) and that we can create files in it. */
/** Whether something is at `path` (a file, a folder, anything `stat` sees). */
export async function exists (path: string): Promise<boolean> {
  return await stat(path).then(() => true, () => false)
}

export async function checkOutputDir (outputDir: string): Promise<void> {
  const dir = resolve(outputDir)
  const denied = (err: unknown): ShoalError =>
    new ShoalError(ErrorCode.NoWriteAccess, `cannot write to ${dir}: permission denied`, { cause: err })
  const notFolder = (err?: unknown): ShoalError =>
    new ShoalError(ErrorCode.BadArgument, `${dir} is not a folder`, { cause: err })
  try {
    await mkdir(dir, { recursive: true })
  } catch (err) {
    const code = errnoOf(err)
    if (code === 'EEXIST' || code === 'ENOTDIR') throw notFolder(err)
    if (isPermissionError(err)) throw denied(err)
    throw err
  }
  if (!(await stat(dir)).isDirectory()) throw notFolder()
  try {
    await access(dir, fsConstants.W_OK)
  } catch (err) {
    throw denied(err)
  }
  // access() trusts mode bits; ACLs, read-only mounts and the like only show on a real attempt.
  const probe = join(dir, PROBE_PREFIX + `${process.pid}-${randomBytes(PROBE_RANDOM_BYTES).toString('hex')}`)
  try {
    await (await open(probe, 'wx')).close()
  } catch (err) {
    if (isPermissionError(err)) throw denied(err)
    throw err
  }
  await rm(probe, { force: true })
}

/**
 * Moves the verified partial file or folder to its final name: flush it to disk, rename it
 * atomically, then flush the folder entry. Refuses to replace anything already at `final`.
 * (Node has no rename-without-replace, so a file created at `final` between the check and the
 * rename could still be replaced; a non-empty folder there is always refused by the OS.)
 */
export async function commitDownload (paths: DownloadPaths): Promise<void> {
  const exists = (): ShoalError => new ShoalError(ErrorCode.OutputExists, `${paths.final} already exists`)
  if (await pathExists(paths.final)) throw exists()
  try {
    await fsyncTree(paths.partial)
    await rename(paths.partial, paths.final)
  } catch (err) {
    const code = errnoOf(err)
    if (code === 'ENOENT') throw new ShoalError(ErrorCode.NotFound, `${paths.partial} is missing`, { cause: err })
    if (code !== undefined && TAKEN_ERRORS.has(code)) throw exists()
    if (isPermissionError(err)) {
      throw new ShoalError(ErrorCode.NoWriteAccess, `cannot write to ${dirname(paths.final)}: permission denied`, { cause: err })
    }
    throw err
  }
  const parents = new Set([dirname(paths.final), dirname(paths.partial)])
  for (const parent of parents) await fsyncDir(parent)
}

async function pathExists (path: string): Promise<boolean> {
  try {
    await lstat(path) // lstat: a dangling symlink at the destination counts as taken too
    return true
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return false
    throw err
  }
}

/** fsyncs a file, or a folder's files and subfolders depth first and then the folder itself. */
async function fsyncTree (path: string): Promise<void> {
  const info = await lstat(path)
  if (info.isFile()) return await fsyncPath(path)
  if (!info.isDirectory()) return // symlinks and specials carry no data of ours
  for (const entry of await readdir(path, { withFileTypes: true })) {
    await fsyncTree(join(path, entry.name))
  }
  await fsyncDir(path)
}

async function fsyncPath (path: string): Promise<void> {
  const handle = await open(path, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Windows cannot open a folder to fsync it (and NTFS journals renames anyway). */
async function fsyncDir (path: string): Promise<void> {
  if (process.platform === 'win32') return
  await fsyncPath(path)
}
