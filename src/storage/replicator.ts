/**
 * The owner's side of storage sharing: `replicate` seals a path (or takes a secret link), finds
 * volunteers on distinct failure domains, asks each to hold the sealed copy under a lease, and
 * waits until enough of them hold it whole and pass an audit. While the node runs it renews the
 * leases, audits every holder with real piece bytes, and replaces holders that failed or stayed
 * away longer than `repairAfterMs` with new ones that copy from the remaining holders.
 */
import { join } from 'node:path'
import { peerIdFromString } from '@libp2p/peer-id'
import { parseLink, formatLink } from '../content/link.js'
import { ErrorCode, ShoalError } from '../errors.js'
import { SECRETS_DIR } from '../store/secret-files.js'
import type { NodeComponents } from '../node/service.js'
import { OFFER_QUERIES_IN_FLIGHT, RENEW_WHEN_LEFT, STATUS_POLL_MS, STORAGE_DIR } from './constants.js'
import { auditHolder, pickPieces } from './audit.js'
import { JsonBook } from './json-book.js'
import type { StoreAnswer, StoreRequest, RenewRequest, ReleaseRequest } from './messages.js'
import { healthyHolders, validateReplications, type HolderRecord, type Replication } from './replications.js'
import { signRequest, type Unsigned } from './signing.js'
import { askStore } from './store-stream.js'
import { sleep } from '../sleep.js'
import { findVolunteers } from './volunteers.js'
import { failureDomainOf } from '../net/failure-domain.js'

export interface ReplicatorOptions {
  auditIntervalMs: number
  repairAfterMs: number
  leaseMs: number
  /** How long a search for volunteers in the DHT may take. */
  searchMs: number
  /** A holder that answers but does not deliver this many audits in a row has failed. */
  maxMisses: number
  /** Random pieces per audit of one holder. */
  auditPieces: number
}

export interface ReplicateOptions {
  copies: number
  sameNetworkOk?: boolean
  signal?: AbortSignal
  onUpdate?: (replication: Replication) => void
}

export interface Replicated { replication: Replication, link: string }


export class Replicator {
  private readonly replications = new Map<string, Replication>()
  private readonly book: JsonBook<Replication>
  private timer?: NodeJS.Timeout
  private ticking = false
  /** Contents a replicate call is placing right now: upkeep leaves them alone meanwhile. */
  private readonly placing = new Set<string>()

  constructor (private readonly c: NodeComponents, private readonly o: ReplicatorOptions) {
    this.book = new JsonBook(join(c.dataDir, STORAGE_DIR, 'replications.json'), validateReplications)
  }

  async start (): Promise<void> {
    for (const r of await this.book.load(this.c.warn)) this.replications.set(r.cid, r)
    // Often enough to audit, repair and renew on time (a lease is renewed once 1/30 of it has passed).
    const every = Math.min(60_000, Math.max(250, Math.min(this.o.auditIntervalMs, this.o.repairAfterMs, this.o.leaseMs * (1 - RENEW_WHEN_LEFT)) / 2))
    this.timer = setInterval(() => { void this.upkeep() }, every)
    this.timer.unref()
  }

  async stop (): Promise<void> {
    clearInterval(this.timer)
  }

  list (): Replication[] {
    return [...this.replications.values()].map(r => structuredClone(r))
  }

  async replicate (target: string, options: ReplicateOptions): Promise<Replicated> {
    const signal = AbortSignal.any([this.c.signal, ...(options.signal !== undefined ? [options.signal] : [])])
    if (!Number.isInteger(options.copies) || options.copies < 1 || options.copies > 16) {
      throw new ShoalError(ErrorCode.BadArgument, '--copies takes a whole number from 1 to 16')
    }
    const { cid, link, name } = await this.resolve(target, signal)
    if (this.placing.has(cid)) throw new ShoalError(ErrorCode.Conflict, `${cid} is being replicated already`)
    this.placing.add(cid)
    try {
      return await this.place(cid, link, name, options, signal)
    } finally {
      this.placing.delete(cid)
    }
  }

  private async place (cid: string, link: string, name: string, options: ReplicateOptions, signal: AbortSignal): Promise<Replicated> {
    const content = this.c.registry.get(cid)
    if (content?.complete !== true) throw new ShoalError(ErrorCode.NotFound, `${cid} is not complete on this node`)
    const existing = this.replications.get(cid)
    const r: Replication = existing ?? {
      cid, link: formatLink({ ...parseLink(link), key: undefined }), name, bytes: content.layout.totalSize,
      copies: options.copies, sameNetworkOk: options.sameNetworkOk === true, createdAt: Date.now(), holders: []
    }
    r.copies = options.copies
    r.sameNetworkOk = options.sameNetworkOk === true
    this.replications.set(cid, r)
    const live = (): number => r.holders.filter(h => !h.replaced && h.state !== 'failed' && !this.overdue(h, Date.now())).length
    for (;;) {
      if (signal.aborted) throw new ShoalError(ErrorCode.Aborted, 'replicate cancelled; the leases granted stay')
      if (live() < r.copies) {
        // At first, and again whenever a holder failed its first audit: ask more volunteers.
        const origins = [...this.c.content.addrs(), ...(await Promise.all(healthyHolders(r).map(async h => await this.addrsOf(h.peerId)))).flat()]
        const result = await this.recruit(r, r.copies - live(), origins, signal)
        await this.save()
        if (live() < r.copies) {
          throw new ShoalError(ErrorCode.NotEnoughHolders,
            `${live()} of ${r.copies} copies placed: found ${result.found} volunteer(s) in ${result.domains} failure domain(s)` +
            (result.sameDomain > 0 ? ` (${result.sameDomain} left out on a failure domain already used; --same-network-ok allows that)` : '') +
            (result.refusals.length > 0 ? `; refused: ${result.refusals.join(', ')}` : ''))
        }
      }
      await this.checkPending(r, signal)
      // A holder that missed its first audit (busy, or a passing fault) is asked again, not waited on for ever.
      for (const h of r.holders) if (h.state === 'suspect' && !h.replaced) await this.audit(r, h, signal)
      options.onUpdate?.(structuredClone(r))
      if (healthyHolders(r).length >= r.copies) break
      await sleep(STATUS_POLL_MS, signal)
    }
    await this.save()
    return { replication: structuredClone(r), link }
  }

  /** One audit of every holder of every replication (the timer runs this every auditIntervalMs). */
  async auditAll (): Promise<void> {
    for (const r of this.replications.values()) {
      for (const h of r.holders) if (h.state === 'held' || h.state === 'suspect') await this.audit(r, h, this.c.signal)
    }
    await this.save()
  }

  /** Stops replicating `cid` and releases every lease. */
  async release (cid: string): Promise<boolean> {
    const r = this.replications.get(cid)
    if (r === undefined) return false
    this.replications.delete(cid)
    await Promise.all(r.holders.map(async h => {
      const request = await signRequest<ReleaseRequest>({ type: 'release', cid, to: h.peerId }, this.c.privateKey)
      await askStore(this.c.libp2p, h.peerId, request, this.c.signal).catch(() => undefined)
    }))
    await this.save()
    return true
  }

  private async resolve (target: string, signal: AbortSignal): Promise<{ cid: string, link: string, name: string }> {
    if (target.trim().toLowerCase().startsWith('shoal:')) {
      const parsed = parseLink(target)
      const cid = parsed.cid.toString()
      if (this.c.registry.get(cid)?.complete !== true) {
        await this.c.content.get(formatLink({ ...parsed, key: undefined }), { sealed: true, output: join(this.c.dataDir, SECRETS_DIR, cid), signal })
      }
      return { cid, link: target.trim(), name: cid }
    }
    const shared = await this.c.content.share(target, { secret: true, signal })
    return { cid: shared.cid, link: shared.link, name: shared.name }
  }

  /** Asks volunteers (on failure domains not used yet) to hold `r` until `needed` more accepted. */
  private async recruit (r: Replication, needed: number, origins: string[], signal: AbortSignal): Promise<{ found: number, domains: number, sameDomain: number, refusals: string[] }> {
    const candidates = await findVolunteers(this.c, new Set(r.holders.map(h => h.peerId)), signal, Math.min(10_000, this.o.searchMs))
    const offers = await mapLimit(candidates, OFFER_QUERIES_IN_FLIGHT, async id => {
      const answer = await askStore(this.c.libp2p, id, { type: 'offer' }, signal).catch(() => undefined)
      return answer?.type === 'offered' ? { id, room: answer.ownerBytes } : undefined
    })
    const usable = offers.filter((o): o is { id: string, room: number } => o !== undefined).sort((a, b) => b.room - a.room)
    const used = new Set(r.holders.filter(h => !h.replaced && h.state !== 'failed').map(h => h.domain))
    const domains = new Set(usable.map(o => failureDomainOf(this.c.libp2p, o.id)))
    const refusals: string[] = []
    let sameDomain = 0
    let accepted = 0
    for (const { id } of usable) {
      if (accepted >= needed || signal.aborted) break
      const domain = failureDomainOf(this.c.libp2p, id)
      if (!r.sameNetworkOk && used.has(domain)) { sameDomain++; continue }
      const addrs = await this.addrsOf(id)
      const request = await signRequest<StoreRequest>({ type: 'store', cid: r.cid, bytes: r.bytes, leaseMs: this.o.leaseMs, origins: origins.slice(0, 16), to: id }, this.c.privateKey)
      const answer: StoreAnswer | undefined = await askStore(this.c.libp2p, id, request, signal).catch(() => undefined)
      if (answer?.type !== 'accepted') {
        refusals.push(answer?.type === 'refused' ? `${answer.reason} (${id.slice(-6)})` : `no answer (${id.slice(-6)})`)
        continue
      }
      r.holders.push({ peerId: id, addrs, domain, state: 'pending', expiresAt: answer.expiresAt, misses: 0 })
      used.add(domain)
      accepted++
    }
    return { found: usable.length, domains: domains.size, sameDomain, refusals }
  }

  /** Pending holders that hold every piece are audited once; passing makes them `held`. */
  private async checkPending (r: Replication, signal: AbortSignal): Promise<void> {
    await Promise.all(r.holders.filter(h => h.state === 'pending').map(async h => {
      const status = await askStore(this.c.libp2p, h.peerId, { type: 'status', cid: r.cid }, signal).catch(() => undefined)
      if (status?.type !== 'status' || status.state !== 'held' || status.verifiedPieces < status.pieces || status.pieces === 0) return
      await this.audit(r, h, signal)
    }))
  }

  private async audit (r: Replication, h: HolderRecord, signal: AbortSignal): Promise<void> {
    const content = this.c.registry.get(r.cid)
    if (content === undefined) return
    const pieces = pickPieces(content.layout.pieceCount, this.o.auditPieces)
    const outcome = await auditHolder(this.c, h.peerId, content.cid.bytes, content.hashes, pieces, signal)
    const now = Date.now()
    h.lastAudit = { at: now, ok: outcome.result === 'ok', pieces: pieces.length, ...(outcome.result !== 'ok' ? { reason: outcome.reason } : {}) }
    if (outcome.result === 'ok') {
      h.state = 'held'
      h.misses = 0
      delete h.unreachableSince
      return
    }
    if (outcome.result === 'unanswered' && !outcome.reason.startsWith('unreachable')) h.misses++
    if (outcome.result === 'failed' || h.misses >= this.o.maxMisses) {
      h.state = 'failed'
      this.c.scores.ban(h.peerId)
      this.c.warn(`holder ${h.peerId} of ${r.cid} failed an audit: ${outcome.reason}`)
      return
    }
    h.state = 'suspect'
    h.unreachableSince ??= now
  }

  /** One pass of upkeep over every replication: pending holders, renewals, audits due, repairs. */
  async upkeep (): Promise<void> {
    if (this.ticking || this.c.signal.aborted) return
    this.ticking = true
    try {
      for (const r of [...this.replications.values()]) if (!this.placing.has(r.cid)) await this.maintain(r, this.c.signal)
      await this.save()
    } catch (err: any) {
      if (!this.c.signal.aborted) this.c.warn(`storage upkeep: ${String(err?.message ?? err)}`)
    } finally {
      this.ticking = false
    }
  }

  private async maintain (r: Replication, signal: AbortSignal): Promise<void> {
    const now = Date.now()
    await this.checkPending(r, signal)
    for (const h of r.holders) {
      if (h.state === 'failed') continue
      // A replaced holder stays an extra copy until its lease runs out: it is not renewed.
      if (h.replaced !== true && h.expiresAt - now < this.o.leaseMs * RENEW_WHEN_LEFT) await this.renew(r, h, signal)
      if ((h.state === 'held' || h.state === 'suspect') && (h.lastAudit === undefined || now - h.lastAudit.at >= this.o.auditIntervalMs)) {
        await this.audit(r, h, signal)
      }
    }
    const overdue = r.holders.filter(h => !h.replaced && this.overdue(h, now))
    const live = r.holders.filter(h => !h.replaced && !overdue.includes(h) && h.state !== 'failed').length
    if (live >= r.copies) return
    const origins = (await Promise.all(healthyHolders(r).map(async h => await this.addrsOf(h.peerId)))).flat()
    const before = r.holders.length
    await this.recruit(r, r.copies - live, origins.length > 0 ? origins : this.c.content.addrs(), signal)
    const added = r.holders.length - before
    for (const h of overdue.slice(0, added)) h.replaced = true
  }

  /** Failed, or away longer than repairAfterMs: to be replaced. */
  private overdue (h: HolderRecord, now: number): boolean {
    return h.state === 'failed' || (h.state === 'suspect' && now - (h.unreachableSince ?? now) >= this.o.repairAfterMs)
  }

  private async renew (r: Replication, h: HolderRecord, signal: AbortSignal): Promise<void> {
    const request = await signRequest<RenewRequest>({ type: 'renew', cid: r.cid, leaseMs: this.o.leaseMs, to: h.peerId } satisfies Unsigned<RenewRequest>, this.c.privateKey)
    const answer = await askStore(this.c.libp2p, h.peerId, request, signal).catch(() => undefined)
    if (answer?.type === 'ok') h.expiresAt = answer.expiresAt
  }

  /** Dialable addresses of a peer, each ending in /p2p/<id>. */
  private async addrsOf (id: string): Promise<string[]> {
    const peer = peerIdFromString(id)
    const stored = await this.c.libp2p.peerStore.get(peer).catch(() => undefined)
    const addrs = stored?.addresses.map(a => a.multiaddr.toString()) ?? this.c.libp2p.getConnections(peer).map(conn => conn.remoteAddr.toString())
    // Every origin ends in the holder's own ID; a relay circuit address already holds the relay's.
    return addrs.slice(0, 4).map(a => a.endsWith(`/p2p/${id}`) ? a : `${a}/p2p/${id}`)
  }

  private async save (): Promise<void> {
    await this.book.save([...this.replications.values()])
  }
}

async function mapLimit<T, R> (items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i] as T)
  }))
  return out
}
