import { ErrorCode, ShoalError } from '../errors.js'

/** Log levels, most severe first. A logger at level L writes L and everything before it. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const
export type LogLevel = typeof LOG_LEVELS[number]
export const DEFAULT_LOG_LEVEL: LogLevel = 'info'
/** Environment variable read when `--log-level` is not given. */
export const LOG_LEVEL_ENV = 'SHOAL_LOG_LEVEL'

export function isLogLevel (text: unknown): text is LogLevel {
  return typeof text === 'string' && (LOG_LEVELS as readonly string[]).includes(text)
}

/** `--log-level <level>`; throws BAD_ARGUMENT for anything else. */
export function parseLogLevel (text: string, flag = '--log-level'): LogLevel {
  const level = text.trim().toLowerCase()
  if (!isLogLevel(level)) throw new ShoalError(ErrorCode.BadArgument, `${flag} takes one of ${LOG_LEVELS.join(', ')}: got '${text}'`)
  return level
}

/** True when a record at `level` passes a logger set to `threshold`. */
export function passes (level: LogLevel, threshold: LogLevel): boolean {
  return LOG_LEVELS.indexOf(level) <= LOG_LEVELS.indexOf(threshold)
}
