import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { ErrorCode, ShoalError } from '../errors.js'

export const LOCK_FILE = 'lock'
/** The owner creates the lock file and then writes its pid: an empty file is being written, not abandoned. */
const LOCK_WRITE_GRACE_MS = 1_000
const LOCK_REREAD_MS = 20

/** `--data-dir`, else `$SHOAL_HOME`, else `~/.shoal`. */
export function defaultDataDir (): string {
  const fromEnv = process.env.SHOAL_HOME
  return resolve(fromEnv !== undefined && fromEnv !== '' ? fromEnv : join(homedir(), '.shoal'))
}

export interface DataDirLock {
  release(): Promise<void>
}

/**
 * One node per data directory: two processes sharing a key would claim the same peer ID and write
 * the same database. The lock file holds the owner's pid; a lock left by a dead process is taken over.
 * Synchronous file calls: at a command's start its first asynchronous ones cost 8-9 ms of a cold
 * `get` for four small calls (docs/benchmarks.md, round 9).
 */
export async function lockDataDir (dataDir: string): Promise<DataDirLock> {
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  } catch (err: any) {
    throw new ShoalError(ErrorCode.NoWriteAccess, `cannot create the data directory ${dataDir}: ${err.code ?? err.message}`)
  }
  const file = join(dataDir, LOCK_FILE)
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600)
      try {
        writeSync(fd, String(process.pid))
      } finally {
        closeSync(fd)
      }
      return {
        async release () {
          rmSync(file, { force: true })
        }
      }
    } catch (err: any) {
      if (err.code !== 'EEXIST') {
        throw new ShoalError(ErrorCode.NoWriteAccess, `cannot write to the data directory ${dataDir}: ${err.code ?? err.message}`)
      }
    }
    const owner = Number.parseInt(await readOwner(file), 10)
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
      throw new ShoalError(ErrorCode.DataDirInUse,
        `the data directory ${dataDir} is in use by another shoal process (pid ${owner}); pass --data-dir <dir> to run a second node on this machine`)
    }
    rmSync(file, { force: true })
  }
  throw new ShoalError(ErrorCode.DataDirInUse, `could not lock the data directory ${dataDir}`)
}

/** The lock file's text, waiting (briefly) while it is still empty: its owner may not have written its pid yet. */
async function readOwner (file: string): Promise<string> {
  const deadline = Date.now() + LOCK_WRITE_GRACE_MS
  for (;;) {
    const text = readOrUndefined(file)
    if (text === undefined || text !== '' || Date.now() >= deadline) return text ?? ''
    await new Promise(resolve => setTimeout(resolve, LOCK_REREAD_MS))
  }
}

/** True while a process with this PID exists (ours to signal or not). */
export function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err: any) {
    return err.code === 'EPERM'
  }
}

function readOrUndefined (file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
}
