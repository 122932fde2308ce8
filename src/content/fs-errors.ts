/** Turns file-system errors a user can cause into ShoalErrors; leaves real I/O failures alone. */
import { ShoalError, ErrorCode } from '../errors.js'

/** Returns the error to throw for `err` raised while touching `path`. */
export function fromFsError (err: unknown, path: string): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new ShoalError(ErrorCode.PathNotFound, `no such file or folder: ${path}`, { cause: err })
    case 'EACCES':
    case 'EPERM':
      // No dedicated "cannot read" code exists; the path is unusable much like a missing one.
      return new ShoalError(ErrorCode.PathNotFound, `cannot read ${path}: permission denied`, { cause: err })
    case 'ELOOP':
      return new ShoalError(ErrorCode.BadArgument, `not a regular file (it became a symbolic link): ${path}`, { cause: err })
    default:
      return err
  }
}

/** Throws ShoalError(Aborted) once `signal` has fired. */
export function throwIfAborted (signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) {
    throw new ShoalError(ErrorCode.Aborted, 'sharing was cancelled', { cause: signal.reason })
  }
}
