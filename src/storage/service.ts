/**
 * Storage sharing as a node capability (node/service.ts): every node can replicate its contents
 * (Replicator); a node with an offer (`--offer-storage`) is also a volunteer (Holder), answers
 * `/shoal/store/1.0.0` and provides the offer key in the DHT so owners find it.
 */
import type { Capability, NodeComponents, NodeService } from '../node/service.js'
import {
  AUDIT_PIECES, DEFAULT_AUDIT_INTERVAL_MS, DEFAULT_GC_INTERVAL_MS, DEFAULT_LEASE_MS, DEFAULT_OWNER_SHARE, DEFAULT_REPAIR_AFTER_MS,
  MAX_INBOUND_STORE_STREAMS, MAX_LEASE_MS, OFFER_REPROVIDE_MS, STORE_PROTOCOL
} from './constants.js'
import { Holder, type HeldInfo } from './holder.js'
import { Replicator, type Replicated, type ReplicateOptions } from './replicator.js'
import { ReplicateJobs } from './replicate-jobs.js'
import type { Replication } from './replications.js'
import { serveStore } from './store-stream.js'
import { offerKey } from './volunteers.js'
import { sleep } from '../sleep.js'

export interface StorageOptions {
  /** Disk offered to others, bytes (0 or absent: not a volunteer). */
  offerBytes?: number
  /** Most of the offer one owner may take (0..1). Default 0.25. */
  ownerShare?: number
  /** Lease asked for by this node as an owner. Default 30 days. */
  leaseMs?: number
  /** How often each holder is audited. Default 6 h. */
  auditIntervalMs?: number
  /** A holder away this long is replaced. Default 24 h. */
  repairAfterMs?: number
  /** How often expired leases are collected. Default 10 min. */
  gcIntervalMs?: number
  /** Audits answered but not delivered, in a row, before a holder has failed. Default 3. */
  maxMisses?: number
  /** Random pieces asked of a holder per audit. Default 4. */
  auditPieces?: number
}

export const STORAGE_SERVICE = 'storage'
/** First tries to provide the offer key come this often, until one works. */
const PROVIDE_RETRY_MS = 5_000

export interface StorageStatus {
  offeredBytes: number
  usedBytes: number
  held: HeldInfo[]
  replications: Replication[]
}

export class StorageService implements NodeService {
  readonly name = STORAGE_SERVICE
  readonly holder?: Holder
  readonly replicator: Replicator
  /** Replications started through the API, followed by their callers. */
  readonly jobs: ReplicateJobs
  private readonly offerBytes: number

  constructor (private readonly c: NodeComponents, options: StorageOptions) {
    this.offerBytes = options.offerBytes ?? 0
    const auditIntervalMs = options.auditIntervalMs ?? DEFAULT_AUDIT_INTERVAL_MS
    const repairAfterMs = options.repairAfterMs ?? DEFAULT_REPAIR_AFTER_MS
    if (this.offerBytes > 0) {
      this.holder = new Holder(c, {
        offerBytes: this.offerBytes,
        ownerShare: options.ownerShare ?? DEFAULT_OWNER_SHARE,
        maxLeaseMs: MAX_LEASE_MS,
        gcIntervalMs: options.gcIntervalMs ?? DEFAULT_GC_INTERVAL_MS,
        retryMs: Math.min(30_000, Math.max(500, repairAfterMs / 4)),
        fetchStallMs: 60_000
      })
    }
    this.jobs = new ReplicateJobs(async (target, o) => await this.replicate(target, o))
    this.replicator = new Replicator(c, {
      auditIntervalMs, repairAfterMs, leaseMs: options.leaseMs ?? DEFAULT_LEASE_MS, searchMs: 5_000, maxMisses: options.maxMisses ?? 3, auditPieces: options.auditPieces ?? AUDIT_PIECES
    })
  }

  async start (): Promise<void> {
    if (this.holder !== undefined) {
      const holder = this.holder
      await holder.start()
      await this.c.libp2p.handle(STORE_PROTOCOL, (stream, connection) => {
        void serveStore(stream, connection, async (request, from) => await holder.handle(request, from))
      }, { maxInboundStreams: MAX_INBOUND_STORE_STREAMS })
      void this.provideOffer()
    }
    await this.replicator.start()
  }

  async stop (): Promise<void> {
    await this.replicator.stop()
    if (this.holder !== undefined) {
      await this.c.libp2p.unhandle(STORE_PROTOCOL).catch(() => {})
      await this.holder.stop()
    }
  }

  async replicate (target: string, options: ReplicateOptions): Promise<Replicated> {
    return await this.replicator.replicate(target, options)
  }

  status (): StorageStatus {
    return {
      offeredBytes: this.offerBytes,
      usedBytes: this.holder?.usedBytes() ?? 0,
      held: this.holder?.list() ?? [],
      replications: this.replicator.list()
    }
  }

  /** Provides the offer key in the DHT, again every OFFER_REPROVIDE_MS (sooner while it fails). */
  private async provideOffer (): Promise<void> {
    const key = await offerKey()
    while (!this.c.signal.aborted) {
      let ok = true
      await this.c.libp2p.contentRouting.provide(key, { signal: AbortSignal.any([this.c.signal, AbortSignal.timeout(30_000)]) }).catch(() => { ok = false })
      await sleep(ok ? OFFER_REPROVIDE_MS : PROVIDE_RETRY_MS, this.c.signal)
    }
  }
}

export function storageCapability (options: StorageOptions = {}): Capability {
  return { name: STORAGE_SERVICE, create: c => new StorageService(c, options) }
}
