import { isShoalError } from '../errors.js'
import type { DownloadControl, DownloadProgress, DownloadResult, GetOptions, PieceEvent } from '../node/node.js'
import type { SwarmContent } from '../swarm/common/swarm-content.js'
import { PieceSources, type SourcePeer } from './piece-sources.js'

/** The reason a stopped download's signal aborts with: shared, see DOWNLOAD_ENDED in swarm/requester/download.ts. */
const STOPPED = new Error('download stopped')

export type DownloadState = 'finding' | 'downloading' | 'paused' | 'done' | 'failed'

/** What the daemon remembers of a download it was asked for. */
export interface DownloadSpec {
  cid: string
  /** The link (or bare CID) it was started with; its peer hints are used again on resume. */
  link: string
  output: string
  timeoutMs: number
  addedAt: number
  /** Accept the content only if this peer ID signed it (`get --publisher`). */
  publisher?: string
}

/** A download as the API reports it. */
export interface DownloadInfo extends Pick<DownloadProgress, 'totalBytes' | 'verifiedBytes' | 'receivedBytes' | 'pieces' | 'piecesDone' | 'peers' | 'bytesPerSecond'> {
  id: string
  cid: string
  link: string
  name?: string
  state: DownloadState
  output: string
  /** Where the content is once done. */
  path?: string
  etaSeconds?: number
  addedAt: number
  finishedAt?: number
  error?: { code: string, message: string }
  result?: DownloadResult
}

/** One download's pieces: which are here, who gave each, and how many connected peers have each. */
export interface PieceMap {
  cid: string
  pieces: number
  pieceSize: number
  totalBytes: number
  /** Bitfield of verified pieces, most significant bit first (the wire format), base64. */
  have: string
  /** One byte per piece, base64: 0 missing, n = peers[n - 1], 254 another peer, 255 verified earlier. */
  sources: string
  /** One byte per piece, base64: connected peers that have it (capped at 255; 0 when not running). */
  availability: string
  peers: SourcePeer[]
}

/** The parts of ShoalNode a managed download uses. */
export interface DownloadHost {
  get: (link: string, options: GetOptions) => Promise<DownloadResult>
  contentOf: (cid: string) => SwarmContent | undefined
}

export interface ManagedDownloadEvents {
  /** Something changed; `important` ones (state changes) should be pushed at once. */
  changed: (download: ManagedDownload, important: boolean) => void
  piece: (download: ManagedDownload, event: PieceEvent) => void
  settled: (download: ManagedDownload) => void
}

type StopReason = 'pause' | 'cancel' | 'shutdown'

/**
 * One download the daemon runs: `node.get` with an abort controller, so it can be paused (the
 * partial file and the verified-piece map stay, as with an interrupted `shoal get`) and resumed
 * (a new `get`, which picks up from them). Keeps what the dashboard shows: progress, state, the
 * source of every piece.
 */
export class ManagedDownload {
  readonly spec: DownloadSpec
  private currentState: DownloadState = 'paused'
  private progress?: DownloadProgress
  private result?: DownloadResult
  private error?: { code: string, message: string }
  private finishedAt?: number
  private controller?: AbortController
  private control?: DownloadControl
  private running?: Promise<void>
  private stopReason?: StopReason
  private readonly sources = new PieceSources()
  /** Callers of nextChange, woken by the next change of state or progress. */
  private readonly changeWaiters = new Set<() => void>()

  constructor (spec: DownloadSpec, private readonly host: DownloadHost, private readonly events: ManagedDownloadEvents) {
    this.spec = spec
  }

  get id (): string {
    return this.spec.cid
  }

  get state (): DownloadState {
    return this.currentState
  }

  get isRunning (): boolean {
    return this.running !== undefined
  }

  /** Starts (or resumes) the download; does nothing while it runs. */
  start (): void {
    if (this.running !== undefined) return
    const controller = new AbortController()
    this.controller = controller
    this.stopReason = undefined
    this.error = undefined
    this.result = undefined
    this.finishedAt = undefined
    this.running = this.host.get(this.spec.link, {
      output: this.spec.output,
      timeoutMs: this.spec.timeoutMs,
      publisher: this.spec.publisher,
      signal: controller.signal,
      onStart: control => { this.control = control },
      onProgress: p => this.onProgress(p),
      onPiece: event => this.onPiece(event)
    }).then(result => {
      this.result = result
      this.finishedAt = Date.now()
      this.setState('done')
    }, (err: unknown) => {
      if (this.stopReason !== undefined) {
        this.setState('paused')
        return
      }
      this.error = isShoalError(err)
        ? { code: err.code, message: err.message }
        : { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) }
      this.finishedAt = Date.now()
      this.setState('failed')
    }).finally(() => {
      this.running = undefined
      this.control = undefined
      this.controller = undefined
      this.events.settled(this)
    })
    this.setState('finding')
  }

  /** Stops a running download, keeping what it has; resolves once it has stopped. */
  async stop (reason: StopReason): Promise<void> {
    const running = this.running
    if (running === undefined) {
      if (this.currentState !== 'done' && this.currentState !== 'failed') this.setState('paused')
      return
    }
    this.stopReason = reason
    this.controller?.abort(STOPPED)
    await running
  }

  /** Wanted first: pieces a reader (the HTTP gateway) waits for. Ignored unless running. */
  prioritize (pieces: number[]): void {
    this.control?.prioritize(pieces)
  }

  /** Resolves at the download's next change of state or progress, or after `ms` at the latest. */
  async nextChange (ms: number): Promise<void> {
    await new Promise<void>(resolve => {
      const wake = (): void => {
        clearTimeout(timer)
        this.changeWaiters.delete(wake)
        resolve()
      }
      const timer = setTimeout(wake, ms)
      this.changeWaiters.add(wake)
    })
  }

  info (): DownloadInfo {
    const content = this.host.contentOf(this.spec.cid)
    const p = this.progress
    const layout = content?.layout
    const totalBytes = layout?.totalSize ?? p?.totalBytes ?? 0
    const piecesDone = content?.bitfield.count() ?? p?.piecesDone ?? 0
    const verifiedBytes = content === undefined || layout === undefined
      ? p?.verifiedBytes ?? 0
      : content.complete ? layout.totalSize : Math.min(layout.totalSize, piecesDone * layout.pieceSize)
    const active = this.running !== undefined
    const rate = active ? p?.bytesPerSecond ?? 0 : 0
    return {
      id: this.id,
      cid: this.spec.cid,
      link: this.spec.link,
      name: this.result?.name ?? content?.manifest.name ?? p?.name,
      state: this.currentState,
      output: this.spec.output,
      path: this.result?.path,
      totalBytes,
      verifiedBytes,
      receivedBytes: p?.receivedBytes ?? 0,
      pieces: layout?.pieceCount ?? p?.pieces ?? 0,
      piecesDone,
      peers: active ? p?.peers ?? 0 : 0,
      bytesPerSecond: rate,
      etaSeconds: active && rate > 0 && totalBytes > verifiedBytes ? Math.round((totalBytes - verifiedBytes) / rate) : undefined,
      addedAt: this.spec.addedAt,
      finishedAt: this.finishedAt,
      error: this.error,
      result: this.result
    }
  }

  /** The piece map, or undefined before the manifest is known. */
  pieceMap (): PieceMap | undefined {
    const content = this.host.contentOf(this.spec.cid)
    if (content === undefined) return undefined
    const count = content.layout.pieceCount
    this.sources.attach({ pieceCount: count, has: i => content.bitfield.has(i) })
    const { sources, peers } = this.sources.snapshot()
    const availability = new Uint8Array(count)
    const control = this.control
    if (control !== undefined) {
      for (let i = 0; i < count; i++) availability[i] = Math.min(255, control.availabilityOf(i))
    }
    return {
      cid: this.spec.cid,
      pieces: count,
      pieceSize: content.layout.pieceSize,
      totalBytes: content.layout.totalSize,
      have: Buffer.from(content.bitfield.toBytes()).toString('base64'),
      sources: Buffer.from(sources).toString('base64'),
      availability: Buffer.from(availability).toString('base64'),
      peers
    }
  }

  private onProgress (p: DownloadProgress): void {
    this.progress = p
    this.wakeWaiters()
    if (this.stopReason !== undefined) return
    const state = p.phase === 'finding' ? 'finding' : 'downloading'
    if (state !== this.currentState && p.phase !== 'done') this.setState(state)
    else this.events.changed(this, false)
  }

  private onPiece (event: PieceEvent): void {
    if (!this.sources.attached) {
      const content = this.host.contentOf(this.spec.cid)
      if (content !== undefined) {
        // Attach before recording: this piece is already in the bitfield and must not count as "earlier".
        this.sources.attach({ pieceCount: content.layout.pieceCount, has: i => i !== event.piece && content.bitfield.has(i) })
      }
    }
    this.sources.record(event)
    this.events.piece(this, event)
  }

  private setState (state: DownloadState): void {
    this.currentState = state
    this.wakeWaiters()
    this.events.changed(this, true)
  }

  private wakeWaiters (): void {
    for (const wake of [...this.changeWaiters]) wake()
  }
}
