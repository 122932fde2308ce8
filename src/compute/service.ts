/**
 * Processing sharing as a node capability (node/service.ts). A node with an offer
 * (`--offer-compute <slots>`) is a worker: it admits jobs within its caps (admission.ts) and
 * provides the compute offer key in the DHT so requesters find it (workers.ts). Every node can
 * look for workers.
 */
import type { Capability, NodeComponents, NodeService } from '../node/service.js'
import { Admissions, type WorkerLimits } from './admission.js'
import {
  COMPUTE_OFFER_REPROVIDE_MS, COMPUTE_PROTOCOL, COMPUTE_PROVIDE_RETRY_MS, DEFAULT_MEMORY_MIB, DEFAULT_OUTPUT_MIB, DEFAULT_REPLICAS, DEFAULT_TIMEOUT_S,
  MAX_CACHED_RESULTS, MAX_COMPUTE_SLOTS, MAX_INBOUND_COMPUTE_STREAMS, MAX_REPLICAS
} from './constants.js'
import type { JobSpec } from './job-spec.js'
import { jobId as jobIdOf } from './job-spec.js'
import { runWithQuorum, type QuorumResult } from './quorum.js'
import { Worker, type ServedJob } from './worker.js'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { formatLink } from '../content/link.js'
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

export interface RunOptions {
  /** Workers that must agree (a strict majority of them). Default 3. */
  replicas?: number
  /** Send the job to these workers only, in this order; else workers are found (DHT, identify). */
  workers?: string[]
  /** Allow several workers on one failure domain (/24, /48): one host or LAN. */
  sameNetworkOk?: boolean
  /** Folder to download the agreed result into (as `<output>/out`). */
  output?: string
  /** Ignore an agreed result this node already has for the job. */
  noCache?: boolean
  signal?: AbortSignal
}

export interface RunResult extends QuorumResult {
  cached: boolean
  /** Where the result was written, when `output` was given. */
  path?: string
}

export interface ComputeStatus {
  worker: boolean
  limits?: WorkerLimits
  busySlots: number
  served: ServedJob[]
}

export class ComputeService implements NodeService {
  readonly name = COMPUTE_SERVICE
  /** Present on a worker only. */
  readonly admissions?: Admissions
  readonly worker?: Worker
  /** Agreed results by job ID (bounded, oldest dropped first). */
  private readonly cache = new Map<string, QuorumResult>()

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
      this.worker = new Worker(c, this.admissions)
    }
  }

  async start (): Promise<void> {
    const worker = this.worker
    if (worker === undefined) return
    await this.c.libp2p.handle(COMPUTE_PROTOCOL, (stream, connection) => { void worker.serve(stream, connection) }, { maxInboundStreams: MAX_INBOUND_COMPUTE_STREAMS })
    void this.provideOffer()
  }

  async stop (): Promise<void> {
    if (this.worker !== undefined) await this.c.libp2p.unhandle(COMPUTE_PROTOCOL).catch(() => {})
  }

  /**
   * Runs `spec` on workers until a strict majority agrees on its result CID (commit first, then
   * reveal), downloads that result to `output`, and remembers it under the job ID.
   */
  async run (spec: JobSpec, options: RunOptions = {}): Promise<RunResult> {
    const replicas = options.replicas ?? DEFAULT_REPLICAS
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > MAX_REPLICAS) throw new ShoalError(ErrorCode.BadArgument, `replicas must be from 1 to ${MAX_REPLICAS}`)
    const signal = options.signal !== undefined ? AbortSignal.any([options.signal, this.c.signal]) : this.c.signal
    const job = (await jobIdOf(spec)).toString()
    let agreed = options.noCache === true ? undefined : this.cache.get(job)
    const cached = agreed !== undefined
    if (agreed === undefined) {
      const candidates = options.workers ?? await this.findWorkers({ signal })
      agreed = await runWithQuorum(this.c, spec, { replicas, candidates, sameNetworkOk: options.sameNetworkOk, signal })
      this.cache.delete(job)
      this.cache.set(job, agreed)
      if (this.cache.size > MAX_CACHED_RESULTS) this.cache.delete(this.cache.keys().next().value!)
    }
    let path: string | undefined
    if (options.output !== undefined) {
      const peers = agreed.workers.filter(w => w.addr !== undefined).map(w => multiaddr(`${w.addr!.replace(/\/p2p\/[^/]+$/, '')}/p2p/${w.peerId}`))
      const got = await this.c.content.get(formatLink({ cid: CID.parse(agreed.result), peers: peers.slice(0, 8) }), { output: options.output, signal })
      path = got.path
    }
    return { ...agreed, cached, path }
  }

  /** Workers this node could send jobs to. */
  async findWorkers (options: { exclude?: Set<string>, searchMs?: number, signal?: AbortSignal } = {}): Promise<string[]> {
    const signal = options.signal !== undefined ? AbortSignal.any([options.signal, this.c.signal]) : this.c.signal
    return await findWorkers(this.c, options.exclude ?? new Set(), signal, options.searchMs ?? 5_000)
  }

  status (): ComputeStatus {
    return { worker: this.admissions !== undefined, limits: this.admissions?.limits, busySlots: this.admissions?.busySlots ?? 0, served: this.worker?.served.slice(-100) ?? [] }
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
