import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { resolve } from 'node:path'
import { parseLink } from '../content/link.js'
import { ErrorCode, ShoalError } from '../errors.js'
import type { Logger } from '../log/logger.js'
import type { PieceEvent } from '../swarm/requester/download.js'
import { downloadPaths } from '../store/download-paths.js'
import { DAEMON_STALL_TIMEOUT_MS, MAX_MANAGED_DOWNLOADS, PROGRESS_EVENT_INTERVAL_MS } from './constants.js'
import type { DownloadStore, SavedDownload } from './download-store.js'
import type { DaemonEvents } from './events.js'
import { ManagedDownload, type DownloadHost, type DownloadInfo, type ManagedDownloadEvents } from './managed-download.js'

export interface AddDownload {
  /** A `shoal://` link or a bare content ID. */
  link: string
  /** Folder to write `<name>` into. Default: the daemon's downloads folder. */
  output?: string
  /** Give up when nothing arrives for this long. Default: DAEMON_STALL_TIMEOUT_MS. */
  timeoutMs?: number
  /** Add without starting. */
  paused?: boolean
  /** Accept the content only if this peer ID signed it. */
  publisher?: string
}

export interface DownloadManagerOptions {
  host: DownloadHost & { removeContent: (cid: string) => Promise<boolean> }
  events: DaemonEvents
  store: DownloadStore
  downloadsDir: string
  logger: Logger
  /** Every piece any download receives (metrics, peer rates). */
  onPiece?: (event: PieceEvent) => void
  /** A download finished, failed or stopped. */
  onSettled?: (download: ManagedDownload) => void
}

/**
 * The daemon's downloads, one per content ID: add, pause, resume, remove; progress pushed to
 * event subscribers (at most every PROGRESS_EVENT_INTERVAL_MS, state changes at once); unfinished
 * downloads saved so a restarted daemon carries on.
 */
export class DownloadManager {
  private readonly entries = new Map<string, ManagedDownload>()
  private readonly dirty = new Set<ManagedDownload>()
  private readonly handlers: ManagedDownloadEvents
  private timer?: NodeJS.Timeout
  private closing = false

  constructor (private readonly o: DownloadManagerOptions) {
    this.handlers = {
      changed: (download, important) => {
        this.dirty.add(download)
        if (important) {
          this.flush()
          void this.persist()
        }
      },
      piece: (_download, event) => this.o.onPiece?.(event),
      settled: download => this.settled(download)
    }
  }

  get downloadsDir (): string {
    return this.o.downloadsDir
  }

  /** Starts pushing progress, and picks up the downloads saved by the last run. */
  async start (): Promise<void> {
    this.timer = setInterval(() => this.flush(), PROGRESS_EVENT_INTERVAL_MS)
    this.timer.unref()
    for (const saved of await this.o.store.load()) {
      if (this.entries.has(saved.cid)) continue
      const download = this.create(saved)
      if (!saved.paused) download.start()
      this.o.logger.info(saved.paused ? 'download restored (paused)' : 'download resumed after restart', { cid: saved.cid, output: saved.output })
    }
  }

  list (): DownloadInfo[] {
    return [...this.entries.values()].map(d => d.info())
  }

  get (id: string): ManagedDownload | undefined {
    return this.entries.get(id)
  }

  /** Adds a download (or returns the one already there for that content, resuming it if stopped). */
  add (request: AddDownload): ManagedDownload {
    if (this.closing) throw new ShoalError(ErrorCode.Aborted, 'the daemon is stopping')
    const link = parseLink(request.link)
    const cid = link.cid.toString()
    const output = resolve(request.output ?? this.o.downloadsDir)
    const existing = this.entries.get(cid)
    if (existing !== undefined) {
      if (existing.spec.output === output) {
        const result = existing.info().result
        if (existing.state !== 'done' || (result !== undefined && !existsSync(result.path))) existing.start()
        return existing
      }
      if (existing.isRunning) {
        throw new ShoalError(ErrorCode.Conflict, `${cid} is already being downloaded into ${existing.spec.output}`)
      }
      this.entries.delete(cid)
    }
    if (this.entries.size >= MAX_MANAGED_DOWNLOADS) {
      throw new ShoalError(ErrorCode.Conflict, `the daemon already manages ${MAX_MANAGED_DOWNLOADS} downloads; remove some first`)
    }
    const download = this.create({
      cid, link: request.link.trim(), output, timeoutMs: request.timeoutMs ?? DAEMON_STALL_TIMEOUT_MS, addedAt: Date.now(), publisher: request.publisher
    })
    this.o.logger.info('download added', { cid, output })
    if (request.paused === true) this.handlers.changed(download, true)
    else download.start()
    return download
  }

  async pause (id: string): Promise<DownloadInfo> {
    const download = this.require(id)
    await download.stop('pause')
    await this.persist()
    return download.info()
  }

  resume (id: string): DownloadInfo {
    const download = this.require(id)
    if (download.state !== 'done') download.start()
    return download.info()
  }

  /**
   * Stops and forgets a download. With `deletePartial` the unverified partial file goes too (and
   * with it the chance to resume); finished content is never deleted.
   */
  async remove (id: string, deletePartial: boolean): Promise<void> {
    const download = this.require(id)
    await download.stop('cancel')
    this.entries.delete(id)
    this.dirty.delete(download)
    this.o.events.emit('download-removed', { id })
    const info = download.info()
    if (deletePartial && info.state !== 'done') {
      await this.o.host.removeContent(id).catch(() => false)
      if (info.name !== undefined) await rm(downloadPaths(info.output, info.name).partial, { recursive: true, force: true })
    }
    this.o.logger.info('download removed', { cid: id, deletePartial })
    await this.persist()
  }

  /** For the HTTP gateway: the download of `cid`, started into the downloads folder if need be. */
  ensure (cid: string): ManagedDownload {
    const existing = this.entries.get(cid)
    if (existing !== undefined) {
      if (!existing.isRunning && existing.state !== 'done') existing.start()
      return existing
    }
    return this.add({ link: cid })
  }

  /** Stops every download for shutdown; those running are saved as running, to resume next start. */
  async stop (): Promise<void> {
    this.closing = true
    clearInterval(this.timer)
    const saved = this.saveList()
    await Promise.all([...this.entries.values()].map(async d => await d.stop('shutdown')))
    await this.o.store.save(saved)
  }

  private create (spec: SavedDownload | ManagedDownload['spec']): ManagedDownload {
    const download = new ManagedDownload({ cid: spec.cid, link: spec.link, output: spec.output, timeoutMs: spec.timeoutMs, addedAt: spec.addedAt, publisher: spec.publisher }, this.o.host, this.handlers)
    this.entries.set(download.id, download)
    return download
  }

  private require (id: string): ManagedDownload {
    const download = this.entries.get(id)
    if (download === undefined) throw new ShoalError(ErrorCode.NotFound, `no download ${id}`)
    return download
  }

  private settled (download: ManagedDownload): void {
    const info = download.info()
    if (info.state === 'done') {
      this.o.logger.info('download finished', { cid: info.cid, name: info.name, bytes: info.totalBytes, path: info.path, durationMs: info.result?.durationMs })
    } else if (info.state === 'failed') {
      this.o.logger.warn('download failed', { cid: info.cid, code: info.error?.code, error: info.error?.message })
    } else if (!this.closing) {
      this.o.logger.info('download paused', { cid: info.cid, piecesDone: info.piecesDone, pieces: info.pieces })
    }
    this.o.onSettled?.(download)
    this.handlers.changed(download, true)
  }

  private flush (): void {
    if (this.dirty.size === 0) return
    const changed = [...this.dirty].filter(d => this.entries.get(d.id) === d)
    this.dirty.clear()
    if (changed.length > 0 && this.o.events.subscribers > 0) this.o.events.emit('downloads', { downloads: changed.map(d => d.info()) })
  }

  private saveList (): SavedDownload[] {
    return [...this.entries.values()]
      .filter(d => d.state !== 'done')
      .map(d => ({ ...d.spec, paused: !d.isRunning }))
  }

  /** Saves the unfinished downloads; resolves once on disk. */
  private async persist (): Promise<void> {
    if (this.closing) return
    await this.o.store.save(this.saveList())
  }
}
