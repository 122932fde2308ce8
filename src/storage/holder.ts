/**
 * A volunteer's side of storage sharing: answers `/shoal/store/1.0.0`, keeps leased contents under
 * `<data-dir>/held/<cid>/` within its offer (and a per-owner share of it), fetches each with an
 * ordinary `get` of the sealed copy (so it is verified, announced to the DHT and served like any
 * content), never drops a live lease, and collects expired ones.
 */
import { rm, statfs } from 'node:fs/promises'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { formatLink } from '../content/link.js'
import type { NodeComponents } from '../node/service.js'
import { HELD_DIR, MAX_LEASES, STORAGE_DIR } from './constants.js'
import { JsonBook } from './json-book.js'
import { leaseKey, validateLeases, type Lease } from './leases.js'
import type { RefusalReason, SignedRequest, StoreAnswer, StoreRequest, StoreRequestMessage } from './messages.js'
import { verifyRequest } from './signing.js'
import { sleep } from '../sleep.js'

export interface HolderOptions {
  offerBytes: number
  ownerShare: number
  maxLeaseMs: number
  gcIntervalMs: number
  /** A fetch that failed is tried again after this long (while its lease lives). */
  retryMs: number
  /** `get` gives up after this long without progress. */
  fetchStallMs: number
}

/** What a volunteer tells about one lease (ls, API). */
export interface HeldInfo extends Omit<Lease, 'origins'> { verifiedPieces: number, pieces: number }

export class Holder {
  private readonly leases = new Map<string, Lease>()
  private readonly fetching = new Map<string, AbortController>()
  private readonly book: JsonBook<Lease>
  private timer?: NodeJS.Timeout

  constructor (private readonly c: NodeComponents, private readonly o: HolderOptions) {
    this.book = new JsonBook(join(c.dataDir, STORAGE_DIR, 'leases.json'), validateLeases)
  }

  async start (): Promise<void> {
    for (const lease of await this.book.load(this.c.warn)) this.leases.set(leaseKey(lease.cid, lease.owner), lease)
    const free = await this.diskFree()
    if (free + this.usedBytes() < this.o.offerBytes) this.c.warn(`storage offer is larger than the free disk space (${free} bytes free): only what fits is accepted`)
    await this.collect()
    for (const lease of this.leases.values()) if (lease.state === 'fetching') this.fetch(lease)
    this.timer = setInterval(() => { void this.collect() }, this.o.gcIntervalMs)
    this.timer.unref()
  }

  async stop (): Promise<void> {
    clearInterval(this.timer)
    for (const controller of this.fetching.values()) controller.abort()
    this.fetching.clear()
  }

  usedBytes (): number {
    let sum = 0
    for (const lease of this.leases.values()) sum += lease.bytes
    return sum
  }

  list (): HeldInfo[] {
    return [...this.leases.values()].map(({ origins: _origins, ...lease }) => {
      const content = this.c.registry.get(lease.cid)
      return { ...lease, pieces: content?.layout.pieceCount ?? 0, verifiedPieces: content?.bitfield.count() ?? 0 }
    })
  }

  async handle (request: StoreRequestMessage, from: string): Promise<StoreAnswer> {
    switch (request.type) {
      case 'offer': {
        const used = this.usedBytes()
        const free = Math.max(0, Math.min(this.o.offerBytes - used, await this.diskFree()))
        const ownerBytes = Math.max(0, Math.min(free, this.ownerLimit() - this.ownerUsed(from)))
        return { type: 'offered', freeBytes: free, ownerBytes, maxLeaseMs: this.o.maxLeaseMs }
      }
      case 'status': {
        const lease = [...this.leases.values()].find(l => l.cid === request.cid)
        const content = this.c.registry.get(request.cid)
        const pieces = content?.layout.pieceCount ?? 0
        const verified = content?.bitfield.count() ?? 0
        const state = lease === undefined ? 'none' : lease.state
        return { type: 'status', state, pieces, verifiedPieces: Math.min(verified, pieces), expiresAt: lease?.expiresAt ?? 0 }
      }
      default:
        return await this.changeState(request, from)
    }
  }

  private async changeState (request: SignedRequest, from: string): Promise<StoreAnswer> {
    try {
      await verifyRequest(request, from, this.c.peerId)
    } catch (err: any) {
      return refuse('POLICY', String(err.message))
    }
    const key = leaseKey(request.cid, from)
    const existing = this.leases.get(key)
    const now = Date.now()
    if (request.type === 'release') {
      if (existing !== undefined) await this.drop(existing)
      return { type: 'ok', expiresAt: 0 }
    }
    const expiresAt = now + Math.min(request.leaseMs, this.o.maxLeaseMs)
    if (request.type === 'renew') {
      if (existing === undefined) return refuse('POLICY', 'no such lease')
      existing.expiresAt = Math.max(existing.expiresAt, expiresAt)
      await this.save()
      return { type: 'ok', expiresAt: existing.expiresAt }
    }
    if (existing !== undefined) {
      existing.expiresAt = Math.max(existing.expiresAt, expiresAt)
      await this.save()
      return { type: 'accepted', expiresAt: existing.expiresAt }
    }
    const refusal = await this.refusalFor(request, from)
    if (refusal !== undefined) return refusal
    const lease: Lease = { cid: request.cid, owner: from, bytes: request.bytes, grantedAt: now, expiresAt, state: 'fetching', origins: request.origins }
    this.leases.set(key, lease)
    await this.save()
    this.fetch(lease)
    return { type: 'accepted', expiresAt }
  }

  private async refusalFor (request: StoreRequest, owner: string): Promise<StoreAnswer | undefined> {
    const limit = this.ownerLimit()
    if (request.bytes > limit) return refuse('TOO_BIG', `${request.bytes} bytes is more than one owner may keep here (${limit})`)
    if (this.ownerUsed(owner) + request.bytes > limit) return refuse('QUOTA', `this owner's share of the offer is used up (${limit} bytes)`)
    if (this.usedBytes() + request.bytes > this.o.offerBytes || this.leases.size >= MAX_LEASES) return refuse('FULL', 'the offer is used up')
    if (request.bytes > await this.diskFree()) return refuse('FULL', 'not enough free disk space')
    return undefined
  }

  private ownerLimit (): number {
    return Math.floor(this.o.offerBytes * this.o.ownerShare)
  }

  private ownerUsed (owner: string): number {
    let sum = 0
    for (const lease of this.leases.values()) if (lease.owner === owner) sum += lease.bytes
    return sum
  }

  /** Fetches the sealed copy from the origins (and whoever else has it), retrying while the lease lives. */
  private fetch (lease: Lease): void {
    if (this.fetching.has(lease.cid)) return
    const controller = new AbortController()
    this.fetching.set(lease.cid, controller)
    const signal = AbortSignal.any([controller.signal, this.c.signal])
    const link = formatLink({ cid: CID.parse(lease.cid), peers: lease.origins.flatMap(addr => { try { return [multiaddr(addr)] } catch { return [] } }) })
    // An owner that names only other holders as origins (a repair) is asked for nothing on the first try.
    const ownerNamed = lease.origins.some(addr => addr.endsWith(`/p2p/${lease.owner}`))
    let avoid = ownerNamed || lease.origins.length === 0 ? [] : [lease.owner]
    const attempt = async (): Promise<void> => {
      while (!signal.aborted && this.leases.has(leaseKey(lease.cid, lease.owner))) {
        try {
          await this.c.content.get(link, { output: join(this.c.dataDir, HELD_DIR, lease.cid), sealed: true, signal, timeoutMs: avoid.length > 0 ? Math.min(this.o.fetchStallMs, 15_000) : this.o.fetchStallMs, avoid })
          for (const l of this.leases.values()) if (l.cid === lease.cid) l.state = 'held'
          await this.save()
          return
        } catch (err: any) {
          if (signal.aborted) return
          this.c.warn(`could not fetch held content ${lease.cid}: ${String(err?.message ?? err)}; trying again`)
          avoid = []
          await sleep(this.o.retryMs, signal)
        }
      }
    }
    void attempt().finally(() => { if (this.fetching.get(lease.cid) === controller) this.fetching.delete(lease.cid) })
  }

  /** Drops every lease that has expired; a content no live lease needs is deleted from disk. */
  async collect (now = Date.now()): Promise<void> {
    for (const lease of [...this.leases.values()].sort((a, b) => a.expiresAt - b.expiresAt)) {
      if (lease.expiresAt <= now) await this.drop(lease)
    }
  }

  /**
   * Files first, then the lease: a lease is listed (and its bytes counted) until its files are gone,
   * and a crash in between leaves an expired lease that the next collection drops again, never
   * files that no lease names.
   */
  private async drop (lease: Lease): Promise<void> {
    const key = leaseKey(lease.cid, lease.owner)
    const shared = [...this.leases.entries()].some(([k, l]) => k !== key && l.cid === lease.cid)
    if (!shared) {
      this.fetching.get(lease.cid)?.abort()
      this.fetching.delete(lease.cid)
      await this.c.content.removeContent(lease.cid).catch(() => {})
      await rm(join(this.c.dataDir, HELD_DIR, lease.cid), { recursive: true, force: true }).catch(() => {})
    }
    this.leases.delete(key)
    await this.save()
  }

  private async save (): Promise<void> {
    await this.book.save([...this.leases.values()])
  }

  private async diskFree (): Promise<number> {
    const fs = await statfs(this.c.dataDir)
    return Number(fs.bavail) * Number(fs.bsize)
  }
}

function refuse (reason: RefusalReason, message: string): StoreAnswer {
  return { type: 'refused', reason, message: message.slice(0, 200) }
}
