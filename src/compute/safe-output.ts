/** A path the module wrote under /out, checked to stay inside it when written to the worker's disk. */
import { ShoalError } from '../errors.js'
import { JobError } from './constants.js'

export function safeRelative (path: string): string {
  const parts = path.split('/')
  if (path === '' || path.startsWith('/') || parts.some(p => p === '' || p === '.' || p === '..' || p.includes('\\') || p.includes('\0'))) {
    throw new ShoalError(JobError.Failed, `job wrote an unsafe output path: ${JSON.stringify(path).slice(0, 100)}`)
  }
  return parts.join('/')
}
