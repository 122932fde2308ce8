import { join, resolve } from 'node:path'
import { peerIdFromString } from '@libp2p/peer-id'
import type { CID } from 'multiformats/cid'
import type { PrivateKey } from '@libp2p/interface'
import { PieceLayout } from '../content/layout.js'
import { buildContent } from '../content/build.js'
import { encodeSignedManifest, signManifest } from '../content/envelope.js'
import { formatLink, parseLink } from '../content/link.js'
import { ErrorCode, ShoalError } from '../errors.js'
import { Announcer, type AnnounceEvent } from '../discovery/announcer.js'
import { searchProviders } from '../discovery/provider-search.js'
import { defaultDataDir, lockDataDir, type DataDirLock } from '../net/data-dir.js'
import { loadOrCreateKey } from '../net/identity.js'
import { createNetwork, type ShoalLibp2p } from '../net/libp2p.js'
import { ShoalDatabase } from '../store/database.js'
import { PieceFiles } from '../store/piece-files.js'
import { Download, type DownloadProgress, type DownloadResult } from '../swarm/download.js'
import { PeerScores } from '../swarm/peer-scores.js'
import { Provider } from '../swarm/provider.js'
import { ContentRegistry } from '../swarm/registry.js'
import { SwarmContent } from '../swarm/swarm-content.js'
import { TokenBucket } from '../swarm/token-bucket.js'
import { PROTOCOL } from '../swarm/wire/constants.js'
import { PeerBook } from './peer-book.js'
import { restoreContent } from './restore.js'
import { TransferStats } from './transfer-stats.js'

export const DATABASE_FILE = 'shoal.db'
/** Default for `get`: give up when nothing arrives for this long. */
export const DEFAULT_STALL_TIMEOUT_MS = 60_000
/** Most addresses put in a link. */
export const MAX_LINK_ADDRS = 4
/** Peers discovered (mDNS, DHT) are dialled while we have fewer connections than this. */
export const DIAL_DISCOVERED_BELOW = 50

export interface NodeOptions {
  /** Where the key and database live. Default `$SHOAL_HOME` or `~/.shoal`. */
  dataDir?: string
  /** Multiaddrs to listen on. Default `/ip4/0.0.0.0/tcp/0`. */
  listen?: string[]
  /** Multiaddrs (with `/p2p/<peerId>`) of peers to join the network through. */
  bootstrap?: string[]
  /** LAN discovery. Default true. */
  mdns?: boolean
  /** Most bytes per second this node uploads, over all peers. Default: no limit. */
  uploadLimit?: number
}

export interface ShareResult {
  cid: string
  link: string
  name: string
  kind: 'file' | 'dir'
  path: string
  bytes: number
  files: number
  pieces: number
  /** Paths inside a folder that were not shared (symlinks, sockets…). */
  skipped: string[]
}

export interface GetOptions {
  /** Folder to write `<name>` into. Default: the current directory. */
  output?: string
  signal?: AbortSignal
  onProgress?: (progress: DownloadProgress) => void
  /** Give up when no peer delivers anything for this long. Default 60 s. */
  timeoutMs?: number
}

export type { DownloadProgress, DownloadResult }

export interface NodeEvents {
  announce?: (event: AnnounceEvent) => void
  warning?: (message: string) => void
}

/**
 * A Shoal peer: shares content, downloads it from many peers at once, and serves every piece it
 * has. Composes the network (net/), content addressing (content/), the store (store/), discovery
 * (discovery/) and the swarm protocol (swarm/).
 */
export class ShoalNode {
  readonly dataDir: string
  private readonly libp2p: ShoalLibp2p
  private readonly db: ShoalDatabase
  private readonly lock: DataDirLock
  private readonly registry = new ContentRegistry()
  private readonly scores = new PeerScores()
  private readonly provider: Provider
  private readonly announcer: Announcer
  private readonly peers: PeerBook
  private readonly downloads = new Set<Download>()
  private readonly stopping = new AbortController()
  readonly stats = new TransferStats()
  private readonly events: NodeEvents
  private readonly privateKey: PrivateKey

  private constructor (dataDir: string, privateKey: PrivateKey, libp2p: ShoalLibp2p, db: ShoalDatabase, lock: DataDirLock, options: NodeOptions, events: NodeEvents) {
    this.dataDir = dataDir
    this.privateKey = privateKey
    this.libp2p = libp2p
    this.db = db
    this.lock = lock
    this.events = events
    this.peers = new PeerBook(libp2p)
    this.provider = new Provider({
      registry: this.registry,
      scores: this.scores,
      handle: async (protocol, handler, options) => { await libp2p.handle(protocol, handler, options) },
      unhandle: async (protocol) => { await libp2p.unhandle(protocol) },
      describePeers: async ids => await this.peers.describe(ids),
      onUpload: (peerId, bytes) => this.stats.uploaded(peerId, bytes),
      uploadLimit: options.uploadLimit !== undefined ? new TokenBucket(options.uploadLimit) : undefined
    })
    this.announcer = new Announcer(
      async (cid, signal) => { await libp2p.contentRouting.provide(cid, { signal }) },
      event => this.events.announce?.(event)
    )
  }

  static async create (options: NodeOptions = {}, events: NodeEvents = {}): Promise<ShoalNode> {
    const dataDir = resolve(options.dataDir ?? defaultDataDir())
    const lock = await lockDataDir(dataDir)
    let db: ShoalDatabase | undefined
    let libp2p: ShoalLibp2p | undefined
    try {
      const privateKey = await loadOrCreateKey(dataDir)
      db = ShoalDatabase.open(join(dataDir, DATABASE_FILE))
      if (db.recovered) events.warning?.('the database was damaged; it was moved aside and a new one started')
      libp2p = await createNetwork({ privateKey, listen: options.listen, bootstrap: options.bootstrap, mdns: options.mdns })
      const node = new ShoalNode(dataDir, privateKey, libp2p, db, lock, options, events)
      await node.start()
      return node
    } catch (err) {
      await Promise.resolve(libp2p?.stop()).catch(() => {})
      db?.close()
      await lock.release()
      throw err
    }
  }

  get peerId (): string {
    return this.libp2p.peerId.toString()
  }

  /** Addresses other peers can dial, each ending in `/p2p/<peerId>`. */
  addrs (): string[] {
    return this.libp2p.getMultiaddrs().map(a => a.toString())
  }

  /** Peers this node refuses to deal with (they sent wrong data or broke the protocol). */
  bannedPeers (): string[] {
    return this.scores.banned()
  }

  /** Peers connected right now. */
  connectedPeers (): string[] {
    return this.libp2p.getPeers().map(p => p.toString())
  }

  private async start (): Promise<void> {
    await this.provider.start()
    this.announcer.start()
    this.libp2p.addEventListener('peer:connect', evt => {
      const id = evt.detail.toString()
      this.announcer.peerConnected()
      for (const download of this.downloads) download.addPeer(id)
    })
    this.libp2p.addEventListener('peer:discovery', evt => {
      if (this.libp2p.getConnections().length >= DIAL_DISCOVERED_BELOW) return
      if (this.libp2p.getConnections(evt.detail.id).length > 0) return
      this.libp2p.dial(evt.detail.id, { signal: AbortSignal.timeout(10_000) }).catch(() => {})
    })
    for (const content of await restoreContent(this.db, warning => this.events.warning?.(warning))) {
      this.registry.add(content)
      if (content.complete) this.announcer.announce(content.cid)
    }
  }

  /** Shares a file or folder in place; it is served until the node stops (and again after a restart). */
  async share (path: string, options: { signal?: AbortSignal, onProgress?: (hashed: number, total: number) => void } = {}): Promise<ShareResult> {
    const built = await buildContent(path, options)
    const envelope = await signManifest(built.bytes, this.privateKey)
    const signed = encodeSignedManifest(envelope)
    const key = built.cid.toString()
    const files = new PieceFiles(new PieceLayout(built.manifest), built.manifest, built.rootPath)
    const content = new SwarmContent({ cid: built.cid, signed, manifest: built.manifest, publisher: this.peerId, hashes: built.hashes, files })
    await this.registry.get(key)?.files.close()
    this.registry.add(content)
    this.db.putContent({ cid: key, role: 'share', signed, hashes: built.hashes, path: built.rootPath, complete: true, addedAt: Date.now() })
    this.announcer.announce(built.cid)
    return {
      cid: key,
      link: this.linkFor(built.cid),
      name: built.manifest.name,
      kind: built.manifest.kind,
      path: built.rootPath,
      bytes: content.layout.totalSize,
      files: built.manifest.files.length,
      pieces: content.layout.pieceCount,
      skipped: built.skipped
    }
  }

  /** A link to `cid` that carries this node's addresses as hints. */
  linkFor (cid: CID): string {
    const peers = this.libp2p.getMultiaddrs().slice(0, MAX_LINK_ADDRS)
    return formatLink({ cid, peers })
  }

  /** Downloads the content behind a link or bare CID into `options.output`, verifying every piece. */
  async get (linkOrCid: string, options: GetOptions = {}): Promise<DownloadResult> {
    const link = parseLink(linkOrCid)
    const signal = AbortSignal.any([this.stopping.signal, ...(options.signal !== undefined ? [options.signal] : [])])
    const download = new Download({
      registry: this.registry,
      scores: this.scores,
      db: this.db,
      localPeerId: this.peerId,
      openStream: async (peerId, s) => await this.libp2p.dialProtocol(peerIdFromString(peerId), PROTOCOL, { signal: s }),
      learnPeers: async records => await this.peers.learn(records)
    }, {
      cid: link.cid,
      outputDir: resolve(options.output ?? '.'),
      stallTimeoutMs: options.timeoutMs ?? DEFAULT_STALL_TIMEOUT_MS,
      signal,
      onProgress: options.onProgress
    })
    const searching = new AbortController()
    this.downloads.add(download)
    try {
      for (const id of await this.peers.addAddrs(link.peers)) download.addPeer(id)
      for (const id of this.connectedPeers()) download.addPeer(id)
      void searchProviders(
        (cid, s) => mapProviders(this.libp2p.contentRouting.findProviders(cid, { signal: s })),
        link.cid, id => download.addPeer(id), AbortSignal.any([searching.signal, signal]))
      const result = await download.run()
      for (const [peerId, bytes] of Object.entries(result.peers)) this.stats.downloaded(peerId, bytes)
      this.announcer.announce(link.cid)
      return result
    } finally {
      searching.abort()
      this.downloads.delete(download)
    }
  }

  async stop (): Promise<void> {
    if (this.stopping.signal.aborted) return
    this.stopping.abort()
    this.announcer.stop()
    await this.provider.stop().catch(() => {})
    await Promise.resolve(this.libp2p.stop()).catch(() => {})
    for (const content of this.registry.list()) await content.files.close().catch(() => {})
    this.db.close()
    await this.lock.release()
  }
}

async function * mapProviders (source: AsyncIterable<{ id: { toString: () => string } }>): AsyncGenerator<{ id: string }> {
  for await (const peer of source) yield { id: peer.id.toString() }
}

/** Starts a Shoal node. */
export async function createNode (options: NodeOptions = {}, events: NodeEvents = {}): Promise<ShoalNode> {
  return await ShoalNode.create(options, events)
}

export { ErrorCode, ShoalError }
