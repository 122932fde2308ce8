/** The worker flags (`--offer-compute`, `--compute-memory`, `--compute-timeout`) as ComputeOptions. */
import { ErrorCode, ShoalError } from '../errors.js'
import type { ComputeOptions } from '../compute/service.js'
import { MAX_COMPUTE_SLOTS } from '../compute/constants.js'
import { parseSeconds, parseSize, type Parsed } from './args.js'

export const COMPUTE_FLAGS = {
  'offer-compute': { type: 'string' },
  'compute-memory': { type: 'string' },
  'compute-timeout': { type: 'string' }
} as const

const MiB = 1024 * 1024

export function computeOptions (values: Parsed['values']): ComputeOptions {
  const options: ComputeOptions = {}
  if (values['offer-compute'] !== undefined) {
    const slots = Number(values['offer-compute'])
    if (!Number.isInteger(slots) || slots < 1 || slots > MAX_COMPUTE_SLOTS) {
      throw new ShoalError(ErrorCode.BadArgument, `--offer-compute takes a number of jobs from 1 to ${MAX_COMPUTE_SLOTS}`)
    }
    options.slots = slots
  }
  if (values['compute-memory'] !== undefined) {
    const mib = Math.floor(parseSize(values['compute-memory'] as string, '--compute-memory') / MiB)
    if (!(mib >= 1)) throw new ShoalError(ErrorCode.BadArgument, '--compute-memory must be at least 1M')
    options.maxMemoryMiB = mib
  }
  if (values['compute-timeout'] !== undefined) {
    const s = parseSeconds(values['compute-timeout'] as string, '--compute-timeout')
    if (!(s >= 1)) throw new ShoalError(ErrorCode.BadArgument, '--compute-timeout must be at least 1s')
    options.maxTimeoutS = Math.floor(s)
  }
  return options
}
