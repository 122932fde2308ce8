import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { Readable } from 'node:stream'
import { MAX_UPLOAD_BYTES, UPLOAD_IDLE_TIMEOUT_MS } from '../api/constants.js'
import type { ApiContext, NodeStatus, PeerInfo, RateSample, ShareInfo } from '../api/context.js'
import { startApiServer, type ApiServer } from '../api/server.js'
import { ErrorCode, ShoalError } from '../errors.js'
import { createLogger, type Logger, type LogRecord } from '../log/logger.js'
import { ShoalMetrics } from '../metrics/shoal-metrics.js'
import { STORAGE_SERVICE, type StorageService } from '../storage/service.js'
import { COMPUTE_SERVICE, type ComputeService } from '../compute/service.js'
import { Registry } from 'prom-client'
import { createNode, type ContentSummary, type NodeOptions, type ShoalNode } from '../node/node.js'
import type { SwarmContent } from '../swarm/common/swarm-content.js'
import { dashboardUrl, loadOrCreateToken, removeApiFile, writeApiFile } from './api-file.js'
import {
  ACTIVITY_RECORDS, RATE_HISTORY_SAMPLES, DEFAULT_API_HOST, DEFAULT_API_PORT, DEFAULT_DOWNLOADS_SUBDIR, DOWNLOADS_FILE, STATS_INTERVAL_MS, UPLOADS_SUBDIR
} from './constants.js'
import { DownloadManager } from './download-manager.js'
import { DownloadStore } from './download-store.js'
import { DaemonEvents } from './events.js'
import { PeerRates } from './peer-rates.js'
import { receiveUpload } from './uploads.js'
import { packageVersion } from '../package.js'
import { reachOf } from '../reach/index.js'

export interface DaemonOptions {
  node?: NodeOptions
  /** Where the API listens. Default 127.0.0.1:5110. */
  apiHost?: string
  apiPort?: number
  /** Where downloads started from the dashboard or the gateway go. Default `<dataDir>/downloads`. */
  downloadsDir?: string
  logger?: Logger
}

/**
 * `shoal daemon`: a long-lived node with an HTTP API, an event stream, a content gateway, metrics
 * and the web dashboard. Composes the node (node/), the downloads it manages (download-manager),
 * traffic per peer (peer-rates), metrics (metrics/) and the HTTP server (api/).
 */
export class Daemon implements ApiContext {
  readonly events = new DaemonEvents()
  readonly rates = new PeerRates()
  readonly startedAt = Date.now()
  readonly version = packageVersion()
  readonly node: ShoalNode
  readonly logger: Logger
  readonly metrics: ShoalMetrics
  readonly downloads: DownloadManager
  readonly token: string
  readonly uploadsDir: string
  private server?: ApiServer
  private ticker?: NodeJS.Timeout
  private readonly recent: LogRecord[] = []
  private readonly rateHistory: RateSample[] = []
  /** Shares counted once per change of the library, not at every status (sent each second). */
  private shareCount?: number
  private stopped = false

  private constructor (node: ShoalNode, token: string, downloadsDir: string, logger: Logger, registry: Registry) {
    this.node = node
    this.token = token
    this.logger = logger
    this.uploadsDir = join(node.dataDir, UPLOADS_SUBDIR)
    this.metrics = new ShoalMetrics({
      peerId: node.peerId,
      version: this.version,
      connectedPeers: () => node.connectedPeers().length,
      bannedPeers: () => node.bannedPeers().length,
      dhtPeers: () => node.dhtPeers(),
      uploadedBytes: () => node.stats.totalUp,
      contentCount: () => countRoles(node.listContent()),
      downloadsByState: () => this.downloadsByState(),
      compute: () => this.compute?.counters,
      bufferedBytes: () => node.memory.byKind(),
      budgetBytes: () => node.memory.limits.node,
      streamResets: () => node.memory.resets()
    }, registry)
    this.downloads = new DownloadManager({
      host: node,
      events: this.events,
      store: new DownloadStore(join(node.dataDir, DOWNLOADS_FILE)),
      downloadsDir,
      logger: logger.child({ component: 'downloads' }),
      onPiece: event => {
        this.metrics.piece(event)
        if (event.valid) this.rates.received(event.peerId, event.bytes)
      },
      onSettled: download => { if (download.state === 'done') this.libraryChanged() }
    })
  }

  static async start (options: DaemonOptions = {}): Promise<Daemon> {
    const logger = options.logger ?? createLogger()
    let daemon: Daemon | undefined
    // One registry for /metrics: libp2p's metrics, the process defaults and Shoal's (metrics/).
    const registry = new Registry()
    const node = await createNode({ ...options.node, metricsRegistry: registry }, {
      warning: message => logger.warn(message),
      announce: event => {
        daemon?.metrics.dht('provide', event.ok)
        if (event.ok) logger.debug('announced to the DHT', { cid: event.cid })
        else logger.debug('DHT announce failed; will retry', { cid: event.cid, error: event.error })
      },
      lookup: event => daemon?.metrics.dht('find_providers', event.ok),
      fault: (peerId, fault) => {
        daemon?.metrics.fault(fault)
        logger.debug('peer fault', { peerId, fault })
      }
    })
    try {
      const token = await loadOrCreateToken(node.dataDir)
      const downloadsDir = resolve(options.downloadsDir ?? join(node.dataDir, DEFAULT_DOWNLOADS_SUBDIR))
      await mkdir(downloadsDir, { recursive: true })
      daemon = new Daemon(node, token, downloadsDir, logger, registry)
      await daemon.begin(options.apiHost ?? DEFAULT_API_HOST, options.apiPort ?? DEFAULT_API_PORT)
      return daemon
    } catch (err) {
      await daemon?.stop().catch(() => {})
      await node.stop().catch(() => {})
      throw err
    }
  }

  /** The API's base URL, e.g. `http://127.0.0.1:5110`. */
  get url (): string {
    return this.server?.url ?? ''
  }

  /** The dashboard's URL, token included (in the fragment, which browsers never send). */
  get dashboardUrl (): string {
    return dashboardUrl({ url: this.url, token: this.token })
  }

  private async begin (host: string, port: number): Promise<void> {
    this.logger.subscribe(record => this.remember(record))
    await this.downloads.start()
    this.server = await startApiServer(this, host, port)
    await writeApiFile(this.node.dataDir, { url: this.server.url, pid: process.pid, peerId: this.node.peerId, startedAt: this.startedAt })
    this.ticker = setInterval(() => this.tick(), STATS_INTERVAL_MS)
    this.ticker.unref()
    this.logger.info('daemon started', { peerId: this.node.peerId, api: this.server.url, downloads: this.downloads.downloadsDir })
  }

  /** Stops the API, pauses every download (resumed at the next start), stops the node. */
  async stop (): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    clearInterval(this.ticker)
    await this.server?.close().catch(() => {})
    await this.downloads.stop().catch(() => {})
    await removeApiFile(this.node.dataDir).catch(() => {})
    await this.node.stop()
    this.logger.info('daemon stopped')
  }

  contentOf (cid: string): SwarmContent | undefined {
    return this.node.contentOf(cid)
  }

  status (): NodeStatus {
    const rates = this.rates.rates()
    return {
      peerId: this.node.peerId,
      addrs: this.node.addrs(),
      directPort: this.node.directPort(),
      ...reachOf(this.node),
      dataDir: this.node.dataDir,
      downloadsDir: this.downloads.downloadsDir,
      version: this.version,
      startedAt: this.startedAt,
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      peers: this.node.connectedPeers().length,
      banned: this.node.bannedPeers().length,
      dhtPeers: this.node.dhtPeers(),
      shares: this.shareCount ??= this.library('share').length,
      downloads: this.downloadsByState(),
      downloadedBytes: this.rates.downloaded,
      uploadedBytes: this.node.stats.totalUp,
      downloadRate: rates.downloadRate,
      uploadRate: rates.uploadRate
    }
  }

  peers (): PeerInfo[] {
    return this.node.connections().map(c => ({ ...c, ...this.rates.of(c.peerId) }))
  }

  bannedPeers (): string[] {
    return this.node.bannedPeers()
  }

  library (role?: 'share' | 'download'): ContentSummary[] {
    const all = this.node.listContent()
    return role === undefined ? all : all.filter(c => c.role === role)
  }

  async share (path: string, pieceSize?: number, secret?: boolean): Promise<ShareInfo> {
    const result = await this.node.share(resolve(path), { pieceSize, secret })
    this.logger.info('sharing', { cid: result.cid, name: result.name, path: result.path, bytes: result.bytes })
    this.libraryChanged()
    return { ...result, peerId: this.node.peerId, addrs: this.node.addrs() }
  }

  async upload (name: string, body: Readable): Promise<ShareInfo> {
    const path = await receiveUpload(this.uploadsDir, name, body, { maxBytes: MAX_UPLOAD_BYTES, idleTimeoutMs: UPLOAD_IDLE_TIMEOUT_MS })
    this.logger.info('file uploaded', { path })
    return await this.share(path)
  }

  async removeShare (cid: string): Promise<void> {
    if (this.downloads.get(cid)?.isRunning === true) {
      throw new ShoalError(ErrorCode.Conflict, `${cid} is downloading; cancel the download instead`)
    }
    if (!(await this.node.removeContent(cid))) throw new ShoalError(ErrorCode.NotFound, `nothing shared as ${cid}`)
    this.logger.info('stopped sharing', { cid })
    this.libraryChanged()
  }

  async connect (addr: string): Promise<string> {
    const peerId = await this.node.connect(addr)
    this.logger.info('connected', { peerId, addr })
    return peerId
  }

  async ban (peerId: string): Promise<void> {
    await this.node.ban(peerId)
    this.logger.info('peer banned', { peerId })
  }

  activity (): LogRecord[] {
    return [...this.recent]
  }

  history (): RateSample[] {
    return [...this.rateHistory]
  }

  /** Storage sharing of the node (src/storage/), if it runs. */
  get storage (): StorageService | undefined {
    return this.node.service<StorageService>(STORAGE_SERVICE)
  }

  /** Processing sharing of the node (src/compute/). */
  get compute (): ComputeService | undefined {
    return this.node.service<ComputeService>(COMPUTE_SERVICE)
  }

  private libraryChanged (): void {
    this.shareCount = undefined
    if (this.events.subscribers > 0) this.events.emit('library', { items: this.library() })
  }

  private tick (): void {
    this.rates.sampleUploads(this.node.stats.uploadedTo())
    this.rateHistory.push({ time: Date.now(), ...this.rates.rates() })
    if (this.rateHistory.length > RATE_HISTORY_SAMPLES) this.rateHistory.shift()
    if (this.events.subscribers === 0) return
    this.events.emit('stats', this.status())
    this.events.emit('peers', { peers: this.peers(), banned: this.bannedPeers() })
  }

  private remember (record: LogRecord): void {
    if (record.level === 'debug') return
    this.recent.push(record)
    if (this.recent.length > ACTIVITY_RECORDS) this.recent.shift()
    this.events.emit('log', record)
  }

  private downloadsByState (): Record<string, number> {
    const counts: Record<string, number> = { finding: 0, downloading: 0, paused: 0, done: 0, failed: 0 }
    for (const d of this.downloads.list()) counts[d.state] = (counts[d.state] ?? 0) + 1
    return counts
  }
}

function countRoles (items: ContentSummary[]): Record<'share' | 'download', number> {
  const counts = { share: 0, download: 0 }
  for (const item of items) counts[item.role]++
  return counts
}
