/**
 * Phase timestamps for finding where a request's time goes: with SHOAL_TRACE set, each
 * `trace('phase', key)` writes one JSON line to stderr with the milliseconds since the process
 * started; without it a call costs one branch. Browser-safe: no Node import, `process` looked up
 * only where it exists.
 */
export const TRACE_ENV = 'SHOAL_TRACE'

const env = (globalThis as { process?: { env?: Record<string, string | undefined>, stderr?: { write: (s: string) => unknown } } }).process
const enabled = env?.env?.[TRACE_ENV] !== undefined

export function trace (phase: string, key?: string): void {
  if (!enabled) return
  env?.stderr?.write(`${JSON.stringify({ trace: phase, key, ms: Math.round(performance.now() * 100) / 100 })}\n`)
}
