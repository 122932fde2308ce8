import { createWriteStream } from 'node:fs'
import { mkdir, rm, stat } from 'node:fs/promises'
import { extname, join } from 'node:path'
import { Transform, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { ErrorCode, ShoalError } from '../errors.js'

/** Longest name kept for an uploaded file (bytes are what filesystems limit; this leaves room). */
export const MAX_UPLOAD_NAME_CHARS = 200
/** Tries `name (1).ext` … up to this many before giving up. */
const MAX_NAME_TRIES = 1_000

export interface UploadLimits {
  maxBytes: number
  /** Fails when no byte arrives for this long. */
  idleTimeoutMs: number
}

/** A safe file name from what a browser sent: no folders, no control characters, not hidden. */
export function safeUploadName (name: string): string {
  let clean = name.split(/[/\\]/).pop() ?? ''
  clean = clean.replace(/[\u0000-\u001f\u007f]/g, '').trim()
  if (/^\.*$/.test(clean)) throw new ShoalError(ErrorCode.BadArgument, `not a usable file name: ${JSON.stringify(name)}`)
  if (clean.startsWith('.')) clean = '_' + clean.slice(1)
  if (clean.length > MAX_UPLOAD_NAME_CHARS) {
    const ext = extname(clean).slice(0, 20)
    clean = clean.slice(0, MAX_UPLOAD_NAME_CHARS - ext.length) + ext
  }
  if (clean === '_') throw new ShoalError(ErrorCode.BadArgument, `not a usable file name: ${JSON.stringify(name)}`)
  return clean
}

/**
 * Writes an uploaded file into `dir` under a name not yet taken there (`a.mp4`, `a (1).mp4`, …)
 * and returns its path. A failed or oversized upload leaves nothing behind.
 */
export async function receiveUpload (dir: string, name: string, body: Readable, limits: UploadLimits): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const safe = safeUploadName(name)
  const path = await freePath(dir, safe)
  let received = 0
  const limit = new Transform({
    transform (chunk: Buffer, _encoding, callback) {
      received += chunk.byteLength
      if (received > limits.maxBytes) callback(new ShoalError(ErrorCode.BadArgument, `upload is larger than ${limits.maxBytes} bytes`))
      else callback(null, chunk)
    }
  })
  // An HTTP request body times out on its socket: no byte for idleTimeoutMs → 'timeout'.
  const timed = body as Readable & { setTimeout?: (ms: number) => unknown }
  timed.setTimeout?.(limits.idleTimeoutMs)
  const onTimeout = (): void => { body.destroy(new ShoalError(ErrorCode.Timeout, `upload stalled for ${limits.idleTimeoutMs / 1000} s`)) }
  body.on('timeout', onTimeout)
  try {
    await pipeline(body, limit, createWriteStream(path, { flags: 'wx', mode: 0o600 }))
  } catch (err) {
    await rm(path, { force: true })
    if (err instanceof ShoalError) throw err
    if ((err as NodeJS.ErrnoException).code === 'ENOSPC') throw new ShoalError(ErrorCode.DiskFull, 'the disk is full')
    throw new ShoalError(ErrorCode.Aborted, 'the upload did not complete')
  } finally {
    body.off('timeout', onTimeout)
  }
  return path
}

async function freePath (dir: string, name: string): Promise<string> {
  const ext = extname(name)
  const stem = name.slice(0, name.length - ext.length)
  for (let n = 0; n < MAX_NAME_TRIES; n++) {
    const candidate = join(dir, n === 0 ? name : `${stem} (${n})${ext}`)
    if (!(await stat(candidate).then(() => true, () => false))) return candidate
  }
  throw new ShoalError(ErrorCode.Conflict, `too many uploads named ${name}`)
}
