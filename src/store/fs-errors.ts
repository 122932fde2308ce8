/** Reading Node's filesystem error codes (errno names such as 'ENOENT'). */
import { ShoalError } from '../errors.js'

/** The errno name of a Node filesystem error, or undefined for anything else (ShoalErrors included). */
export function errnoOf (err: unknown): string | undefined {
  if (err instanceof ShoalError) return undefined
  const code = (err as NodeJS.ErrnoException | null)?.code
  return typeof code === 'string' ? code : undefined
}

const PERMISSION_ERRORS = new Set(['EACCES', 'EPERM', 'EROFS'])

/** True for "not allowed to write here": mode bits, ACLs, or a read-only filesystem. */
export function isPermissionError (err: unknown): boolean {
  const code = errnoOf(err)
  return code !== undefined && PERMISSION_ERRORS.has(code)
}
