/** The storage flags (`--offer-storage`, `--audit-interval`, `--repair-after`) as StorageOptions. */
import { ErrorCode, ShoalError } from '../errors.js'
import type { StorageOptions } from '../storage/service.js'
import { parseSeconds, parseSize, type Parsed } from './args.js'

export const STORAGE_FLAGS = {
  'offer-storage': { type: 'string' },
  'audit-interval': { type: 'string' },
  'repair-after': { type: 'string' }
} as const

export function storageOptions (values: Parsed['values']): StorageOptions {
  const options: StorageOptions = {}
  if (values['offer-storage'] !== undefined) {
    const bytes = parseSize(values['offer-storage'] as string, '--offer-storage')
    if (!(bytes > 0)) throw new ShoalError(ErrorCode.BadArgument, '--offer-storage must be more than 0')
    options.offerBytes = bytes
  }
  if (values['audit-interval'] !== undefined) options.auditIntervalMs = positiveMs(values['audit-interval'] as string, '--audit-interval')
  if (values['repair-after'] !== undefined) options.repairAfterMs = positiveMs(values['repair-after'] as string, '--repair-after')
  return options
}

function positiveMs (text: string, flag: string): number {
  const ms = Math.round(parseSeconds(text, flag) * 1000)
  if (!(ms > 0)) throw new ShoalError(ErrorCode.BadArgument, `${flag} must be more than 0`)
  return ms
}
