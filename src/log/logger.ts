import { DEFAULT_LOG_LEVEL, isLogLevel, LOG_LEVEL_ENV, passes, type LogLevel } from './levels.js'
import { formatJson, formatText, type LogRecord } from './format.js'

export type { LogRecord }

export interface LogOutput {
  write: (text: string) => unknown
  isTTY?: boolean
}

export interface LoggerOptions {
  level?: LogLevel
  /** Default: text on a terminal, JSON lines otherwise. */
  format?: 'json' | 'text'
  /** Default: process.stderr. */
  out?: LogOutput
}

/**
 * Structured, levelled logs: `logger.info('download finished', { cid, bytes })`. On a terminal a
 * record is one readable line; anywhere else one JSON object per line. Child loggers add fields
 * (`logger.child({ component: 'api' })`). Subscribers (the dashboard's activity feed) see every
 * record that passes the level.
 */
export class Logger {
  readonly level: LogLevel
  private readonly format: 'json' | 'text'
  private readonly out: LogOutput
  private readonly fields: Record<string, unknown>
  private readonly subscribers: Set<(record: LogRecord) => void>

  constructor (options: LoggerOptions = {}, fields: Record<string, unknown> = {}, subscribers = new Set<(record: LogRecord) => void>()) {
    this.level = options.level ?? DEFAULT_LOG_LEVEL
    this.out = options.out ?? process.stderr
    this.format = options.format ?? (this.out.isTTY === true ? 'text' : 'json')
    this.fields = fields
    this.subscribers = subscribers
  }

  child (fields: Record<string, unknown>): Logger {
    return new Logger({ level: this.level, format: this.format, out: this.out }, { ...this.fields, ...fields }, this.subscribers)
  }

  enabled (level: LogLevel): boolean {
    return passes(level, this.level)
  }

  error (msg: string, fields?: Record<string, unknown>): void { this.log('error', msg, fields) }
  warn (msg: string, fields?: Record<string, unknown>): void { this.log('warn', msg, fields) }
  info (msg: string, fields?: Record<string, unknown>): void { this.log('info', msg, fields) }
  debug (msg: string, fields?: Record<string, unknown>): void { this.log('debug', msg, fields) }

  /** Hears every record this logger (or a child) writes; returns the unsubscribe function. */
  subscribe (listener: (record: LogRecord) => void): () => void {
    this.subscribers.add(listener)
    return () => this.subscribers.delete(listener)
  }

  log (level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
    if (!this.enabled(level)) return
    const record: LogRecord = { time: new Date().toISOString(), level, msg, ...this.fields, ...fields }
    this.out.write(this.format === 'json' ? formatJson(record) : formatText(record, this.out.isTTY === true))
    for (const listener of this.subscribers) {
      try {
        listener(record)
      } catch {}
    }
  }
}

/** A logger at `level`, else $SHOAL_LOG_LEVEL, else info, writing to stderr. */
export function createLogger (level?: LogLevel, out: LogOutput = process.stderr): Logger {
  const fromEnv = process.env[LOG_LEVEL_ENV]
  return new Logger({ level: level ?? (isLogLevel(fromEnv) ? fromEnv : DEFAULT_LOG_LEVEL), out })
}

/** Writes nothing: for library use and tests that do not care. */
export const silentLogger = new Logger({ level: 'error', out: { write: () => true } })
