/**
 * Processing sharing as a node capability (node/service.ts). A node with an offer
 * (`--offer-compute <slots>`) is a worker: it admits jobs within its caps (admission.ts) and
 * provides the compute offer key in the DHT so requesters find it (workers.ts). Every node can
 * look for workers.
 */
import type { Capability, NodeComponents, NodeService } from '../node/service.js'
import { Admissions, type WorkerLimits } from './admission.js'
import { COMPUTE_OFFER_REPROVIDE_MS, COMPUTE_PROVIDE_RETRY_MS, DEFAULT_MEMORY_MIB, DEFAULT_OUTPUT_MIB, DEFAULT_TIMEOUT_S, MAX_COMPUTE_SLOTS } from './constants.js'
import { computeOfferKey, findWorkers } from './workers.js'
import { ErrorCode, ShoalError } from '../errors.js'
import { sleep } from '../sleep.js'

export interface ComputeOptions {
  /** Jobs run at once for others (0 or absent: not a worker). */
  slots?: number
  /** Most module memory a job may ask of this worker, MiB. Default 256. */
  maxMemoryMiB?: number
  /** Longest time limit a job may ask of this worker, seconds. Default 60. */
  maxTimeoutS?: number
  /** Largest output a job may ask of this worker, MiB. Default 64. */
  maxOutputMiB?: number
}

export const COMPUTE_SERVICE = 'compute'

export interface ComputeStatus {
  worker: boolean
  limits?: WorkerLimits
  busySlots: number
}

export class ComputeService implements NodeService {
  readonly name = COMPUTE_SERVICE
  /** Present on a worker only. */
  readonly admissions?: Admissions

  constructor (private readonly c: NodeComponents, options: ComputeOptions) {
    const slots = options.slots ?? 0
    if (!Number.isInteger(slots) || slots < 0 || slots > MAX_COMPUTE_SLOTS) {
      throw new ShoalError(ErrorCode.BadArgument, `compute slots must be a whole number from 0 to ${MAX_COMPUTE_SLOTS}`)
    }
    if (slots > 0) {
      this.admissions = new Admissions({
        slots,
        maxMemoryMiB: options.maxMemoryMiB ?? DEFAULT_MEMORY_MIB,
        maxTimeoutS: options.maxTimeoutS ?? DEFAULT_TIMEOUT_S,
        maxOutputMiB: options.maxOutputMiB ?? DEFAULT_OUTPUT_MIB
      })
    }
  }

  async start (): Promise<void> {
    if (this.admissions !== undefined) void this.provideOffer()
  }

  async stop (): Promise<void> {}

  /** Workers this node could send jobs to. */
  async findWorkers (options: { exclude?: Set<string>, searchMs?: number, signal?: AbortSignal } = {}): Promise<string[]> {
    const signal = options.signal !== undefined ? AbortSignal.any([options.signal, this.c.signal]) : this.c.signal
    return await findWorkers(this.c, options.exclude ?? new Set(), signal, options.searchMs ?? 5_000)
  }

  status (): ComputeStatus {
    return { worker: this.admissions !== undefined, limits: this.admissions?.limits, busySlots: this.admissions?.busySlots ?? 0 }
  }

  /** Provides the offer key in the DHT, again every COMPUTE_OFFER_REPROVIDE_MS (sooner while it fails). */
  private async provideOffer (): Promise<void> {
    const key = await computeOfferKey()
    while (!this.c.signal.aborted) {
      let ok = true
      await this.c.libp2p.contentRouting.provide(key, { signal: AbortSignal.any([this.c.signal, AbortSignal.timeout(30_000)]) }).catch(() => { ok = false })
      await sleep(ok ? COMPUTE_OFFER_REPROVIDE_MS : COMPUTE_PROVIDE_RETRY_MS, this.c.signal)
    }
  }
}

export function computeCapability (options: ComputeOptions = {}): Capability {
  return { name: COMPUTE_SERVICE, create: c => new ComputeService(c, options) }
}
