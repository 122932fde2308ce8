import type { LogLevel } from './levels.js'

/** One log record: when, how severe, what happened, and structured fields (cid, peerId, …). */
export interface LogRecord {
  time: string
  level: LogLevel
  msg: string
  [field: string]: unknown
}

const LEVEL_LABEL: Record<LogLevel, string> = { error: 'ERROR', warn: 'WARN ', info: 'INFO ', debug: 'DEBUG' }
const LEVEL_COLOR: Record<LogLevel, string> = { error: '\x1b[31m', warn: '\x1b[33m', info: '\x1b[36m', debug: '\x1b[90m' }
const DIM = '\x1b[2m'
const RESET = '\x1b[0m'

/** One JSON object per line, for log collectors. */
export function formatJson (record: LogRecord): string {
  return JSON.stringify(record, errorReplacer) + '\n'
}

/** `12:00:01.234 INFO  download finished cid=bag… bytes=1024`, coloured when `color`. */
export function formatText (record: LogRecord, color: boolean): string {
  const { time, level, msg, ...fields } = record
  const clock = time.slice(11, 23)
  const extra = Object.entries(fields).map(([k, v]) => `${k}=${textValue(v)}`).join(' ')
  if (!color) return `${clock} ${LEVEL_LABEL[level]} ${msg}${extra === '' ? '' : ' ' + extra}\n`
  return `${DIM}${clock}${RESET} ${LEVEL_COLOR[level]}${LEVEL_LABEL[level]}${RESET} ${msg}${extra === '' ? '' : ` ${DIM}${extra}${RESET}`}\n`
}

function textValue (value: unknown): string {
  if (value instanceof Error) return JSON.stringify(value.message)
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value)
  return JSON.stringify(value, errorReplacer) ?? 'undefined'
}

function errorReplacer (_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code
    return code === undefined ? { message: value.message } : { message: value.message, code }
  }
  return value
}
