import { PieceLayout } from '../../content/layout.js'
import { ErrorCode, ShoalError } from '../../errors.js'
import { CandidatePool } from './candidate-pool.js'
import { PIECE_TIMEOUT_MS, REJECT_RETRY_MS, PROGRESS_INTERVAL_MS, SAVE_PROGRESS_INTERVAL_MS } from './constants.js'
import { DirectUpgrades } from './direct-upgrade.js'
import { fetchManifest, fetchPieceHashes, InvalidContent, recheckPieces, WrongPublisher, type VerifiedManifest } from './download-setup.js'
import { PeerSession } from './peer-session.js'
import type { Fault } from '../common/peer-scores.js'
import { faultOf, PeerStalled, ProtocolViolation } from '../common/faults.js'
import { StallGuard } from './stall-guard.js'
import { PiecePicker } from './piece-picker.js'
import { SwarmContent } from '../common/swarm-content.js'
import { ReceivedTally } from './received-tally.js'
import { requestDepth } from './throughput.js'
import { PeerExchangePace, peersFrom } from './peer-exchange-pace.js'
import { raceSessions, type SessionSource } from './setup-race.js'
import type { DownloadComponents, DownloadOptions, DownloadProgress, DownloadResult } from './download-types.js'
import type { PieceData } from '../wire/messages.js'

/**
 * The reason every signal of a finished download aborts with. One shared error, not a new one per
 * download: an error's stack holds the objects of its frames (the Download itself), and Node 22
 * keeps an aborted AbortSignal.any() that still has a listener for ever (nodejs/node#64476), so a
 * fresh reason would keep each finished download in memory.
 */
const DOWNLOAD_ENDED = new ShoalError(ErrorCode.Aborted, 'download ended')

export type { DownloadComponents, DownloadOptions, DownloadProgress, DownloadResult, PieceEvent } from './download-types.js'

/**
 * One `get`: finds peers with the content, fetches and verifies the manifest and piece hashes,
 * then pulls pieces rarest-first from every peer at once, several requests in flight per peer.
 * The content is registered with the provider as soon as its manifest is known, so pieces
 * verified here are served to others while the download runs.
 */
export class Download {
  private readonly c: DownloadComponents
  private readonly opts: DownloadOptions
  private readonly key: string
  private readonly candidates = new CandidatePool()
  private readonly sessions = new Set<PeerSession>()
  /** Sessions whose pieces the picker has counted. */
  private readonly adopted = new Set<PeerSession>()
  private readonly direct: DirectUpgrades
  private readonly received = new ReceivedTally()
  private readonly started = Date.now()
  private readonly abort = new AbortController()
  private readonly stalls = new StallGuard()
  /** Errors a peer was already scored for (so closing its session does not score it twice). */
  private readonly scored = new WeakSet<Error>()
  /** A manifest refused for its publisher (`publisher` option): reported if nothing better turns up. */
  private refused?: WrongPublisher
  /** A peer reachable only through relays that carry no data (reach/): reported instead of a bare timeout. */
  private unreachable?: ShoalError
  private verified?: VerifiedManifest
  private content?: SwarmContent
  /** The content's size once its manifest is known: direct upgrades start then, before storage is open (and counts nothing verified). */
  private totalBytes?: number
  private picker?: PiecePicker
  private lastProgressAt = Date.now()
  private lastSavedAt = 0
  private readonly exchangePace = new PeerExchangePace()
  /** Resolved (and replaced) when a session registers: what setup races wait on. */
  private arrival?: Promise<void>
  private arrived?: () => void
  private settle?: { resolve: (r: DownloadResult) => void, reject: (e: Error) => void }
  private finishing = false

  constructor (components: DownloadComponents, options: DownloadOptions) {
    this.c = components
    this.opts = options
    this.key = options.cid.toString()
    this.direct = new DirectUpgrades(components.openDirect, options.cid.bytes, this.abort.signal)
  }

  /** Fetches these pieces before any other, most urgent first (a reader is waiting for them). */
  prioritize (pieces: number[]): void {
    if (this.picker === undefined) return
    this.picker.prioritize(pieces)
    this.fillAll()
  }

  /** How many connected peers have `piece` (0 until the manifest is known). */
  availabilityOf (piece: number): number {
    return this.picker?.availabilityOf(piece) ?? 0
  }

  /** Peers with an open session now (one moving to a direct connection counts once). */
  connectedPeers (): number {
    return new Set([...this.sessions].filter(s => !s.closed).map(s => s.peerId)).size
  }

  /** Tell the download about a peer that may have the content; returns whether it was new to it. */
  addPeer (peerId: string): boolean {
    if (peerId === this.c.localPeerId || this.c.scores.isBanned(peerId) || this.opts.skipPeer?.(peerId) === true) return false
    const added = this.candidates.add(peerId)
    this.connectMore()
    return added
  }

  async run (): Promise<DownloadResult> {
    await this.opts.storage.check()
    const onAbort = (): void => this.fail(new ShoalError(ErrorCode.Aborted, 'download cancelled'))
    this.opts.signal?.addEventListener('abort', onAbort, { once: true })
    const stopPeers = this.c.registry.onPeer(this.key, id => this.addPeer(id))
    const timer = setInterval(() => this.tick(), PROGRESS_INTERVAL_MS)
    const done = new Promise<DownloadResult>((resolve, reject) => { this.settle = { resolve, reject } })
    for (const id of this.c.registry.peersOf(this.key)) this.addPeer(id)
    this.setup().catch(err => this.fail(err))
    try {
      return await done
    } finally {
      clearInterval(timer)
      stopPeers()
      this.opts.signal?.removeEventListener('abort', onAbort)
      this.abort.abort(DOWNLOAD_ENDED)
      this.content?.dropHeld()
      for (const session of this.sessions) session.close()
      await this.saveProgress(true)
      await this.opts.storage.close()
    }
  }

  private async setup (): Promise<void> {
    const verified = await this.findManifest()
    this.verified = verified
    const { manifest } = verified
    this.opts.onManifest?.(manifest, verified.publisher)
    const layout = new PieceLayout(manifest)
    const storage = this.opts.storage
    this.lastProgressAt = Date.now()
    if (await storage.place(manifest, layout) === 'done') {
      this.settle?.resolve(this.result(layout.totalSize))
      return
    }
    // Direct connections, hash lists and files set up side by side (docs/benchmarks.md, round 10).
    this.totalBytes = layout.totalSize
    for (const session of [...this.sessions]) void this.upgrade(session)
    const [hashes, { files, claimed }] = await Promise.all([
      fetchPieceHashes(manifest, layout, this.sessionSource(), (s, err) => this.punish(s, err)),
      storage.open(manifest, layout)
    ])
    const bitfield = await recheckPieces(files, layout, hashes, claimed)
    this.content = new SwarmContent({ cid: this.opts.cid, signed: verified.signed, manifest, publisher: verified.publisher, hashes, files, bitfield, trust: { kind: 'own-writes' } })
    await storage.begin(verified.signed, hashes, bitfield.toBytes())
    const served = this.c.registry.get(this.key)
    // An unfinished copy (restored after a restart, or left by a cancelled get) gives way to this
    // one, so the provider serves the pieces this download verifies, from where they end up.
    if (served === undefined || !served.complete) {
      this.c.registry.add(this.content)
      if (served !== undefined) void served.files.close().catch(() => {})
    }
    this.picker = new PiecePicker(bitfield)
    // Said at once, not at the next tick: a gateway range can be served before that tick.
    this.opts.onProgress?.(this.progress('downloading'))
    for (const session of [...this.sessions]) this.adopt(session)
    if (bitfield.isComplete()) await this.finish()
  }

  /**
   * Takes the manifest from the first peer that gives a valid one, asking several at once
   * (setup-race.ts): a peer that answers `open` and then keeps silent only delays the download by
   * a hedge, and is scored `stalled` when its question times out.
   */
  private async findManifest (): Promise<VerifiedManifest> {
    return await raceSessions(this.sessionSource(), async session => await fetchManifest(session, this.opts.cid, this.opts.publisher), (session, err) => {
      this.punish(session, err)
      if (err instanceof InvalidContent) return new ShoalError(ErrorCode.BadManifest, err.message)
      if (err instanceof WrongPublisher) this.refused = err
      return undefined
    })
  }

  /** The open sessions, for setup questions; `arrival` resolves when the next one registers. */
  private sessionSource (): SessionSource {
    return {
      live: () => [...this.sessions],
      arrival: async () => await (this.arrival ??= new Promise<void>(resolve => { this.arrived = resolve })),
      signal: this.abort.signal
    }
  }

  private connectMore (): void {
    if (this.finishing || this.abort.signal.aborted) return
    for (const peerId of this.candidates.takeReady()) {
      void this.connect(peerId)
    }
  }

  private async connect (peerId: string): Promise<void> {
    let session: PeerSession | undefined
    try {
      const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(PIECE_TIMEOUT_MS)])
      const pipe = await this.direct.openFirst(peerId, this.bytesLeft() ?? 0, signal) ?? await this.c.openStream(peerId, signal)
      session = await PeerSession.open(peerId, pipe, this.opts.cid.bytes, this.verified === undefined && this.sessions.size === 0) // get-manifest with open (1.1.0)
    } catch (err: any) {
      const fault = faultOf(err)
      if (fault !== undefined) this.c.scores.fault(peerId, fault)
      if (err instanceof ShoalError && err.code === ErrorCode.Unreachable) this.unreachable = err
      this.candidates.failed(peerId)
      this.noSourceLeft()
      return
    }
    if (session === undefined) {
      this.candidates.notFound(peerId)
      this.noSourceLeft()
      return
    }
    if (this.finishing || this.abort.signal.aborted || this.c.scores.isBanned(peerId)) {
      session.close()
      return
    }
    this.candidates.connected(peerId)
    this.c.registry.notePeer(this.key, peerId)
    this.register(session)
  }

  /** Every peer tried so far lacks the content or failed, and none is being tried: time to look wider. */
  private noSourceLeft (): void {
    if (this.sessions.size === 0 && this.candidates.busy === 0) this.opts.onNoSource?.()
  }

  /** Moves a libp2p-stream session to a direct connection (direct-upgrade.ts): the new session takes the requests, the old one finishes what it has in flight and closes. */
  private async upgrade (session: PeerSession): Promise<void> {
    const left = this.bytesLeft()
    if (left === undefined) return
    const attempt = await this.direct.attempt(session, left)
    if (!attempt.tried) return
    const direct = attempt.direct
    if (direct === undefined) {
      this.fill(session)
      return
    }
    if (session.closed || this.finishing || this.abort.signal.aborted) {
      direct.close()
      return
    }
    session.retiring = true
    this.register(direct, true)
    // During setup the old session may still be answering a hash list: setup retires it after.
    if (this.picker !== undefined) this.retireIfIdle(session)
  }

  /** Bytes still to fetch, once the manifest is known. */
  private bytesLeft (): number | undefined {
    const content = this.content
    return content !== undefined ? content.layout.totalSize - content.verifiedBytes() : this.totalBytes
  }

  private retireIfIdle (session: PeerSession): void {
    if (session.retiring && session.inFlight.size === 0) session.close()
  }

  /** Routes a new session's messages to this download and counts its pieces (`upgraded`: it replaces one with the same peer). */
  private register (session: PeerSession, upgraded = false): void {
    this.sessions.add(session)
    session.start({
      onHave: (s, piece) => { this.picker?.addHave(piece); this.fill(s) },
      onPiece: (s, piece, data) => { void this.receive(s, piece, data); this.retireIfIdle(s) },
      onReject: (s, piece) => {
        this.retireIfIdle(s)
        this.picker?.release(piece)
        // A reject means "not now" (busy, or a seed spreading its first copies): ask others, and
        // this peer again only after a pause, never in a tight loop.
        s.defer(piece, REJECT_RETRY_MS)
        this.fillAll()
      },
      onClose: (s, err) => this.dropSession(s, err)
    })
    // Before adopt: a first move holds the session's requests (direct-upgrade.ts).
    if (this.totalBytes !== undefined) void this.upgrade(session)
    if (this.picker !== undefined) this.adopt(session)
    if (upgraded) return // the peer is known already
    // Ask every new peer at once who else is in the swarm: in a flash crowd the downloaders must
    // find each other within the first seconds, or they all wait on the seeder. Content of one
    // piece (as its bitfield says) comes whole from one peer: dialling others only slows it.
    if (session.remotePieceCount > 1) void this.exchangeWith(session)
    const arrived = this.arrived
    this.arrival = undefined
    this.arrived = undefined
    arrived?.()
  }

  /** Once the manifest is known, a session's claims are checked and its pieces counted. */
  private adopt (session: PeerSession): void {
    const picker = this.picker
    if (picker === undefined || session.closed) return
    if (session.retiring) return this.retireIfIdle(session) // moved to a direct connection during setup
    if (session.remotePieceCount !== this.content?.layout.pieceCount) {
      this.punish(session, new ProtocolViolation('bitfield size does not match the manifest'))
      return
    }
    picker.addPeerPieces(session)
    this.adopted.add(session)
    this.fill(session)
  }

  private fill (session: PeerSession): void {
    if (this.picker === undefined || session.closed || session.retiring || this.finishing || !this.adopted.has(session)) return
    // Bulk data from the first byte on the direct connection being set up (it falls back to this one if that fails).
    if (this.direct.holdsRequests(session)) return
    const layout = (this.content as SwarmContent).layout
    const budget = this.c.budget
    const wanted = requestDepth(session.throughput.bytesPerSecond(), layout.pieceSize) - session.inFlight.size
    const free = budget === undefined ? wanted : budget.allow(wanted, layout.pieceSize)
    const pieces = this.picker.pick(session, free)
    for (const piece of pieces) budget?.spend(layout.locate(piece).length)
    session.requestMany(pieces)
  }

  private fillAll (): void {
    for (const session of this.sessions) this.fill(session)
  }

  private async receive (session: PeerSession, piece: number, data: PieceData): Promise<void> {
    const content = this.content
    const picker = this.picker
    if (content === undefined || picker === undefined) return
    if (content.bitfield.has(piece)) {
      picker.release(piece)
      return
    }
    // A page hashes with WebCrypto, which only answers asynchronously.
    const digest = this.c.hashPiece !== undefined ? await this.c.hashPiece(data) : undefined
    if (!content.isValidPiece(piece, data, digest)) {
      picker.release(piece)
      this.opts.onPiece?.({ piece, peerId: session.peerId, bytes: data.byteLength, valid: false, transport: session.transport })
      this.punish(session, new ProtocolViolation(`piece ${piece} does not match its hash`), 'bad-piece')
      this.fillAll()
      return
    }
    try {
      await content.files.writePiece(piece, data)
    } catch (err: any) {
      // PieceFiles reports a full disk and a denied write as ShoalErrors with their own messages.
      if (err instanceof ShoalError) return this.fail(err)
      const full = err.code === 'ENOSPC'
      this.fail(new ShoalError(full ? ErrorCode.DiskFull : ErrorCode.NoWriteAccess,
        `cannot write to ${this.opts.storage.location}: ${full ? 'the disk is full' : (err.code ?? err.message)}`))
      return
    }
    picker.release(piece)
    if (content.bitfield.has(piece)) return
    content.addPiece(piece, data)
    this.opts.storage.pieceAdded(piece)
    this.opts.onPiece?.({ piece, peerId: session.peerId, bytes: data.byteLength, valid: true, transport: session.transport })
    this.received.add(session.peerId, data.byteLength, session.transport)
    session.bytesReceived += data.byteLength
    this.c.scores.credit(session.peerId)
    this.lastProgressAt = Date.now()
    for (const other of this.sessions) {
      if (other !== session && other.inFlight.has(piece)) {
        other.cancel(piece)
        picker.release(piece)
      }
    }
    if (content.complete) {
      await this.finish()
      return
    }
    this.fill(session)
    if (picker.inEndgame()) this.fillAll()
  }

  private punish (session: PeerSession, err: Error, fault?: Fault): void {
    const kind = faultOf(err)
    if (kind !== undefined) {
      this.c.scores.fault(session.peerId, fault ?? kind)
      this.scored.add(err)
    }
    session.close(err)
  }

  private dropSession (session: PeerSession, err?: Error): void {
    // The session's read loop failed on the peer's bytes (bad frame, unsolicited message).
    const fault = err !== undefined && !this.scored.has(err) ? faultOf(err) : undefined
    if (fault !== undefined) this.c.scores.fault(session.peerId, fault)
    this.sessions.delete(session)
    if (this.adopted.delete(session)) {
      this.picker?.removePeerPieces(session)
    }
    for (const piece of session.inFlight.keys()) this.picker?.release(piece)
    session.inFlight.clear()
    const replaced = [...this.sessions].some(s => s.peerId === session.peerId && !s.closed)
    if (this.c.scores.isBanned(session.peerId)) this.candidates.remove(session.peerId)
    else if (replaced) {
      // An upgraded session's predecessor: the peer is still being served by the new one.
    } else if (err !== undefined) this.candidates.failed(session.peerId)
    else this.candidates.ended(session.peerId)
    this.fillAll()
    this.connectMore()
  }

  private tick (): void {
    const now = Date.now()
    if (!this.finishing && now - this.lastProgressAt > this.opts.stallTimeoutMs) {
      const what = this.verified === undefined ? 'find' : 'get any new piece of'
      const live = [...this.sessions].some(session => !session.closed)
      this.fail(this.verified === undefined && this.refused !== undefined
        ? this.refused
        : this.unreachable !== undefined && !live
          ? new ShoalError(ErrorCode.Unreachable, `could not get ${this.key}: ${this.unreachable.message}`)
          : new ShoalError(ErrorCode.Timeout,
          `could not ${what} ${this.key} within ${Math.round(this.opts.stallTimeoutMs / 1000)} s (${this.sessions.size} peer(s) with it connected)`))
      return
    }
    for (const session of [...this.sessions]) this.guard(session, now)
    for (const s of this.sessions) if (this.direct.due(s, now)) void this.upgrade(s)
    this.connectMore()
    this.fillAll()
    if (this.exchangePace.due(now)) void this.exchangePeers()
    if (now - this.lastSavedAt > SAVE_PROGRESS_INTERVAL_MS) void this.saveProgress(false)
    this.opts.onProgress?.(this.progress('finding'))
  }

  /** Late pieces go to other peers (one timeout fault); a stalled session is closed. */
  private guard (session: PeerSession, now: number): void {
    const layout = this.content?.layout
    if (layout === undefined) return
    const verdict = this.stalls.check(session, now, piece => layout.locate(piece).length)
    for (const piece of verdict.late) {
      session.cancel(piece)
      this.picker?.release(piece)
    }
    if (verdict.stalled) this.punish(session, new PeerStalled(`no data for ${session.inFlight.size} requested piece(s)`))
    else if (verdict.late.length > 0 && verdict.silent) this.c.scores.fault(session.peerId, 'timeout')
  }

  private async exchangePeers (): Promise<void> {
    const sessions = [...this.sessions].filter(s => !s.closed).sort(() => Math.random() - 0.5).slice(0, 3)
    const learned = await Promise.all(sessions.map(async s => await this.exchangeWith(s)))
    this.exchangePace.record(learned.reduce((a, b) => a + b, 0), Date.now())
  }

  private async exchangeWith (session: PeerSession): Promise<number> {
    return await peersFrom(session, async records => await this.c.learnPeers(records), id => this.addPeer(id))
  }

  private async saveProgress (force: boolean): Promise<void> {
    const content = this.content
    if (content === undefined || this.finishing && !force || content.complete) return
    this.lastSavedAt = Date.now()
    try {
      this.opts.storage.saveProgress(content.bitfield.toBytes())
    } catch {}
  }

  private async finish (): Promise<void> {
    if (this.finishing) return
    this.finishing = true
    const content = this.content as SwarmContent
    try {
      for (const session of this.sessions) for (const piece of session.inFlight.keys()) session.cancel(piece)
      await content.moveTo(await this.opts.storage.commit(content.files))
      this.opts.onProgress?.(this.progress('done'))
      this.settle?.resolve(this.result(content.layout.totalSize))
    } catch (err: any) {
      this.fail(err)
    }
  }

  private fail (err: Error): void {
    this.finishing = true
    this.settle?.reject(err)
  }

  private result (bytes: number): DownloadResult {
    const v = this.verified as VerifiedManifest
    return {
      cid: this.key,
      name: v.manifest.name,
      kind: v.manifest.kind,
      path: this.opts.storage.location,
      publisher: v.publisher,
      bytes,
      ...this.received.summary(),
      durationMs: Date.now() - this.started
    }
  }

  private progress (phase: DownloadProgress['phase']): DownloadProgress {
    const content = this.content
    const layout = content?.layout
    return {
      cid: this.key,
      phase: phase === 'done' ? 'done' : content === undefined ? 'finding' : 'downloading',
      name: this.verified?.manifest.name,
      totalBytes: layout?.totalSize ?? 0,
      verifiedBytes: content?.verifiedBytes() ?? 0,
      receivedBytes: this.received.total,
      pieces: layout?.pieceCount ?? 0,
      piecesDone: content?.bitfield.count() ?? 0,
      peers: this.sessions.size,
      bytesPerSecond: this.received.bytesPerSecond()
    }
  }
}
