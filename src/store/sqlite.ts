/**
 * Lazy loader for Node's built-in `node:sqlite`.
 *
 * On Node 22 the module prints an ExperimentalWarning the first time it is loaded. That line
 * would land in every CLI run's stderr, so we drop exactly that one warning and nothing else:
 * `process.emitWarning` is wrapped only for the duration of the load and restored right after.
 * A static `import` would load the module (and emit the warning) before any code of ours ran,
 * hence the `createRequire` at first use.
 */
import { createRequire } from 'node:module'

type SqliteModule = typeof import('node:sqlite')

const EXPERIMENTAL_WARNING = 'ExperimentalWarning'
const SQLITE_WARNING_PATTERN = /SQLite is an experimental feature/

let loaded: SqliteModule | undefined

export function loadSqlite (): SqliteModule {
  if (loaded !== undefined) return loaded
  const original = process.emitWarning
  const filtered = function (this: unknown, warning: string | Error, ...rest: unknown[]): void {
    if (isSqliteExperimentalWarning(warning, rest[0])) return
    Reflect.apply(original, process, [warning, ...rest])
  }
  process.emitWarning = filtered as typeof process.emitWarning
  try {
    loaded = createRequire(import.meta.url)('node:sqlite') as SqliteModule
  } finally {
    // Only restore if nobody replaced it meanwhile (the load is synchronous, so normally nobody did).
    if (process.emitWarning === filtered) process.emitWarning = original
  }
  return loaded
}

function isSqliteExperimentalWarning (warning: string | Error, typeOrOptions: unknown): boolean {
  const message = typeof warning === 'string' ? warning : warning.message
  const type = typeof warning !== 'string'
    ? warning.name
    : typeof typeOrOptions === 'string'
      ? typeOrOptions
      : (typeOrOptions as { type?: unknown } | undefined)?.type
  return type === EXPERIMENTAL_WARNING && SQLITE_WARNING_PATTERN.test(message)
}
