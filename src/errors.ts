/**
 * The one error type Shoal throws for conditions a user or a peer can cause.
 * `code` is stable (scripts read it from `--json` error events); `message` is one line for humans.
 */
export class ShoalError extends Error {
  readonly code: string

  constructor (code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ShoalError'
    this.code = code
  }
}

/** Codes in use, so callers can switch on them without guessing strings. */
export const ErrorCode = {
  BadManifest: 'BAD_MANIFEST',
  BadSignature: 'BAD_SIGNATURE',
  CidMismatch: 'CID_MISMATCH',
  BadLink: 'BAD_LINK',
  BadMessage: 'BAD_MESSAGE',
  FrameTooLarge: 'FRAME_TOO_LARGE',
  NotFound: 'NOT_FOUND',
  PathNotFound: 'PATH_NOT_FOUND',
  OutputExists: 'OUTPUT_EXISTS',
  NoWriteAccess: 'NO_WRITE_ACCESS',
  DiskFull: 'DISK_FULL',
  Timeout: 'TIMEOUT',
  Aborted: 'ABORTED',
  DataDirInUse: 'DATA_DIR_IN_USE',
  BadArgument: 'BAD_ARGUMENT',
  Database: 'DATABASE',
  Unreachable: 'UNREACHABLE',
  Conflict: 'CONFLICT',
  NoDaemon: 'NO_DAEMON',
  Unauthorized: 'UNAUTHORIZED',
  /** `get --publisher`: the content was found, but signed by someone else. */
  WrongPublisher: 'WRONG_PUBLISHER',
  /** A secret content (share --secret) was asked for with a link that carries no key (#k=…). */
  NoKey: 'NO_KEY',
  /** The link's key does not open this secret content (or is not a key at all). */
  BadKey: 'BAD_KEY',
  /** replicate: fewer volunteers (or failure domains) than copies asked for. */
  NotEnoughHolders: 'NOT_ENOUGH_HOLDERS'
} as const

export function isShoalError (err: unknown): err is ShoalError {
  return err instanceof ShoalError
}
