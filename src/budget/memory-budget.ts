import {
  ADDRESS_BUDGET_BYTES, ADDRESS_RESERVE_BYTES, NODE_BUDGET_BYTES, NODE_RESERVE_BYTES, PEER_BUDGET_BYTES, PRESSURE_FRACTION, STREAM_BUDGET_BYTES
} from './constants.js'

/** What a node buffers for others, as reported on /metrics (`shoal_buffered_bytes{kind}`). */
export type BufferKind = 'read-ahead' | 'requests' | 'receive'
export const BUFFER_KINDS: readonly BufferKind[] = ['read-ahead', 'requests', 'receive']
/** Why the node reset a stream: its reader stopped taking bytes, or it left a frame half-sent. */
export type ResetReason = 'stalled-reader' | 'partial-frame'
export const RESET_REASONS: readonly ResetReason[] = ['stalled-reader', 'partial-frame']
/** Bulk kinds leave NODE_RESERVE_BYTES of the node budget, and ADDRESS_RESERVE_BYTES of an address's, to the others. */
const BULK: ReadonlySet<BufferKind> = new Set(['read-ahead'])

export interface BudgetLimits {
  stream: number
  peer: number
  address: number
  node: number
}

export const DEFAULT_BUDGET: BudgetLimits = {
  stream: STREAM_BUDGET_BYTES, peer: PEER_BUDGET_BYTES, address: ADDRESS_BUDGET_BYTES, node: NODE_BUDGET_BYTES
}

/** The budget ran out for good for this stream (it closed while waiting). */
export class BudgetClosed extends Error {}

/** What one peer (or one address) holds; `address`: where the peer's first open stream came from. */
interface Holder { address: string, held: number, bulk: number, streams: number, waiting: number }
interface Waiter { scope: StreamBudget, kind: BufferKind, bytes: number, resolve: () => void, reject: (err: Error) => void }

/**
 * Bytes a node holds on behalf of other peers, bounded per stream, per peer, per address and for
 * the whole node, as go-libp2p's resource manager scopes memory. Buffers are taken before they are
 * filled and given back once the bytes have left (or the stream ended); who cannot take at once
 * waits, and waiters are served least-holding peer first, so under pressure a peer that holds
 * much waits behind one that holds little. A hostile peer's share is bounded by its peer and
 * address budgets and, once the node (or its address) is half full, by an equal share of the node
 * budget among the peers holding or wanting some (or of the address budget among those at its
 * address). A stream that holds bulk it cannot send (a reader that stopped reading) is reset by
 * the stall limit (swarm/common/message-channel.ts), which gives its bytes to the waiters.
 */
export class MemoryBudget {
  readonly limits: BudgetLimits
  private used = 0
  private readonly kinds = new Map<BufferKind, number>(BUFFER_KINDS.map(k => [k, 0]))
  private readonly peers = new Map<string, Holder>()
  private readonly addresses = new Map<string, Holder>()
  private waiters: Waiter[] = []
  private settling = false
  /** Highest total ever held (tests compare it with the node budget). */
  peak = 0
  /** Streams and direct connections reset, by reason (shoal_streams_reset_total{reason}). */
  private readonly resetCounts = new Map<ResetReason, number>(RESET_REASONS.map(r => [r, 0]))

  constructor (limits: Partial<BudgetLimits> = {}) {
    this.limits = { ...DEFAULT_BUDGET, ...limits }
    if (this.limits.peer > this.limits.address || this.limits.address > this.limits.node) {
      throw new RangeError('budget limits must grow from peer to address to node')
    }
  }

  /** A scope for one stream (or direct connection) of `peerId`, coming from `address` (address.ts). */
  open (peerId: string, address: string): StreamBudget {
    const peer = holder(this.peers, peerId, address)
    const addr = holder(this.addresses, address, address)
    peer.streams++
    addr.streams++
    return new StreamBudget(this, peerId, address, peer, addr)
  }

  /** Bytes held right now, in all and per kind. */
  get bytes (): number {
    return this.used
  }

  byKind (): Record<BufferKind, number> {
    return Object.fromEntries(this.kinds) as Record<BufferKind, number>
  }

  /** Counts a stream the node reset for `reason`. */
  countReset (reason: ResetReason): void {
    this.resetCounts.set(reason, (this.resetCounts.get(reason) ?? 0) + 1)
  }

  resets (): Record<ResetReason, number> {
    return Object.fromEntries(this.resetCounts) as Record<ResetReason, number>
  }

  /** @internal */
  fits (scope: StreamBudget, kind: BufferKind, bytes: number): boolean {
    const { limits } = this
    const nodeLimit = BULK.has(kind) ? limits.node - NODE_RESERVE_BYTES : limits.node
    if (this.used + bytes > nodeLimit) return false
    const addressLimit = BULK.has(kind) ? limits.address - ADDRESS_RESERVE_BYTES : limits.address
    if (scope.addr.held + bytes > addressLimit) return false
    if (scope.peer.held + bytes > limits.peer) return false
    if (!BULK.has(kind)) return true
    // Bulk: one item is always allowed to a stream, and to a peer, that holds none (read-ahead
    // shrinks to one piece for big pieces); beyond it, the stream budget and the fair share.
    if (scope.bulk > 0 && scope.bulk + bytes > limits.stream) return false
    if (scope.peer.bulk === 0) return true
    if (this.used + bytes > limits.node * PRESSURE_FRACTION && scope.peer.held + bytes > this.fairShare()) return false
    // The same within one address: identities made on one host, or peers behind one NAT, share it.
    if (scope.addr.held + bytes > limits.address * PRESSURE_FRACTION && scope.peer.held + bytes > this.fairShareAt(scope.address)) return false
    return true
  }

  /** @internal */
  add (scope: StreamBudget, kind: BufferKind, bytes: number): void {
    this.used += bytes
    this.peak = Math.max(this.peak, this.used)
    this.kinds.set(kind, (this.kinds.get(kind) ?? 0) + bytes)
    scope.peer.held += bytes
    scope.addr.held += bytes
    if (BULK.has(kind)) {
      scope.bulk += bytes
      scope.peer.bulk += bytes
    }
    if (bytes < 0) this.settleSoon()
  }

  /** @internal */
  wait (waiter: Waiter): void {
    waiter.scope.peer.waiting++
    this.waiters.push(waiter)
  }

  /** @internal: drops the scope's waiters (rejected) and its holder records once empty. */
  closed (scope: StreamBudget): void {
    const mine = this.waiters.filter(w => w.scope === scope)
    this.waiters = this.waiters.filter(w => w.scope !== scope)
    for (const w of mine) {
      scope.peer.waiting--
      w.reject(new BudgetClosed('stream closed'))
    }
    scope.peer.streams--
    scope.addr.streams--
    if (scope.peer.streams === 0) this.peers.delete(scope.peerId)
    if (scope.addr.streams === 0) this.addresses.delete(scope.address)
  }

  private fairShare (): number {
    let active = 0
    for (const p of this.peers.values()) if (p.held > 0 || p.waiting > 0) active++
    return Math.min(this.limits.peer, this.limits.node / Math.max(1, active))
  }

  private fairShareAt (address: string): number {
    let active = 0
    for (const p of this.peers.values()) if (p.address === address && (p.held > 0 || p.waiting > 0)) active++
    return Math.min(this.limits.peer, this.limits.address / Math.max(1, active))
  }

  /**
   * Settles the waiters once, after the current turn of the event loop: bytes come back one
   * request entry or piece at a time, and sorting a thousand waiters at each would stall the node.
   */
  /** @internal */
  settleSoon (): void {
    if (this.settling || this.waiters.length === 0) return
    this.settling = true
    setImmediate(() => {
      this.settling = false
      this.settle()
    })
  }

  /** Grants waiters that fit now, least-holding peer first. */
  private settle (): void {
    if (this.waiters.length === 0) return
    const order = [...this.waiters].sort((a, b) => a.scope.peer.held - b.scope.peer.held)
    for (const w of order) {
      if (!this.fits(w.scope, w.kind, w.bytes)) continue
      this.waiters.splice(this.waiters.indexOf(w), 1)
      w.scope.peer.waiting--
      w.scope.hold(w.kind, w.bytes)
      w.resolve()
    }
  }
}

/** The part of the budget one stream holds; `close()` gives everything back. */
export class StreamBudget {
  held = 0
  /** Of `held`, the bulk kinds (read-ahead). */
  bulk = 0
  private readonly kinds = new Map<BufferKind, number>()
  private ended = false

  /** @internal */
  constructor (
    private readonly budget: MemoryBudget,
    readonly peerId: string,
    readonly address: string,
    readonly peer: Holder,
    readonly addr: Holder
  ) {}

  /** Takes `bytes` now if they fit; false if not (nothing taken). */
  tryTake (kind: BufferKind, bytes: number): boolean {
    if (this.ended || !this.budget.fits(this, kind, bytes)) return false
    this.hold(kind, bytes)
    return true
  }

  /** Takes `bytes`, waiting (fairly, see MemoryBudget) until they fit; rejects once the stream closes. */
  async take (kind: BufferKind, bytes: number): Promise<void> {
    if (this.tryTake(kind, bytes)) return
    if (this.ended) throw new BudgetClosed('stream closed')
    await new Promise<void>((resolve, reject) => this.budget.wait({ scope: this, kind, bytes, resolve, reject }))
  }

  give (kind: BufferKind, bytes: number): void {
    const have = this.kinds.get(kind) ?? 0
    const back = Math.min(have, bytes)
    if (back <= 0) return
    this.kinds.set(kind, have - back)
    this.held -= back
    this.budget.add(this, kind, -back)
  }

  close (): void {
    if (this.ended) return
    this.ended = true
    this.budget.closed(this)
    for (const [kind, bytes] of this.kinds) this.give(kind, bytes)
    this.budget.settleSoon()
  }

  /** @internal */
  hold (kind: BufferKind, bytes: number): void {
    this.kinds.set(kind, (this.kinds.get(kind) ?? 0) + bytes)
    this.held += bytes
    this.budget.add(this, kind, bytes)
  }
}

function holder (map: Map<string, Holder>, key: string, address: string): Holder {
  let h = map.get(key)
  if (h === undefined) {
    h = { address, held: 0, bulk: 0, streams: 0, waiting: 0 }
    map.set(key, h)
  }
  return h
}
