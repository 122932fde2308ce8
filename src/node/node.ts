import { join, resolve } from 'node:path'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import type { PrivateKey } from '@libp2p/interface'
import { PieceLayout } from '../content/layout.js'
import { buildContent } from '../content/build.js'
import { encodeSignedManifest, signManifest } from '../content/envelope.js'
import { formatLink, parseLink, type ShoalLink } from '../content/link.js'
import type { Manifest } from '../content/manifest.js'
import { refuseSecretWithoutKey, requireSecret } from '../content/secret.js'
import { ErrorCode, ShoalError } from '../errors.js'
import { Announcer } from '../discovery/announcer.js'
import { LookupTrace } from '../discovery/lookup-trace.js'
import { searchProviders, SEARCH_DELAY_WITH_HINTS_MS } from '../discovery/provider-search.js'
import { defaultDataDir, lockDataDir, type DataDirLock } from '../net/data-dir.js'
import { loadOrCreateKey } from '../net/identity.js'
import { createNetwork, DEFAULT_LISTEN, dhtTableSize, type ShoalLibp2p } from '../net/libp2p.js'
import { connectionGater } from '../net/connection-gater.js'
import { overWebSockets } from '../net/websockets.js'
import { DirectTransport } from '../net/direct/direct-transport.js'
import { streamPipe, type Pipe } from '../net/pipe.js'
import { ShoalDatabase } from '../store/database.js'
import { PieceFiles } from '../store/piece-files.js'
import { Download, type DownloadResult } from '../swarm/requester/download.js'
import { DiskStorage } from '../swarm/requester/disk-storage.js'
import { PeerScores } from '../swarm/common/peer-scores.js'
import { Provider } from '../swarm/provider/provider.js'
import { ContentRegistry } from '../swarm/common/registry.js'
import { SwarmContent } from '../swarm/common/swarm-content.js'
import { TokenBucket } from '../swarm/common/token-bucket.js'
import { RequestBudget } from '../swarm/requester/request-budget.js'
import { SWARM_PROTOCOLS } from '../swarm/wire/constants.js'
import { SESSION_READ_BUFFER_BYTES } from '../swarm/requester/constants.js'
import { MemoryBudget } from '../budget/memory-budget.js'
import { PeerBook } from './peer-book.js'
import { trace } from '../log/trace.js'
import { restoreContent } from './restore.js'
import { TransferStats } from './transfer-stats.js'
import { summarizeContent, summarizeConnections, type ConnectionSummary, type ContentSummary } from './content-list.js'
import { capabilitiesFor } from './capabilities.js'
import type { Capability, NodeComponents, NodeService } from './service.js'
import type { GetOptions, NodeEvents, NodeOptions, ShareOptions, ShareResult } from './options.js'
import { getSecret, shareSecret } from './secret-content.js'
import type { Connection, PeerId } from '@libp2p/interface'

export const DATABASE_FILE = 'shoal.db'
/** Default for `get`: give up when nothing arrives for this long. */
export const DEFAULT_STALL_TIMEOUT_MS = 60_000
/** Most addresses put in a link. */
export const MAX_LINK_ADDRS = 4
/** Peers discovered (mDNS, DHT) are dialled while we have fewer connections than this. */
export const DIAL_DISCOVERED_BELOW = 50
/** `connect(addr)` gives up after this long. */
export const CONNECT_TIMEOUT_MS = 15_000
/** Why a download's DHT search stops: shared, for the reason given in swarm/requester/download.ts (DOWNLOAD_ENDED). */
const SEARCH_ENDED = new ShoalError(ErrorCode.Aborted, 'search ended')
/** Folder of the data directory holding downloads' verified-piece journals (store/piece-journal.ts). */
export const JOURNAL_DIR = 'journals'

export type {
  NodeOptions, ShareResult, GetOptions, DownloadControl, NodeEvents, ShareOptions,
  DownloadProgress, DownloadResult, PieceEvent, ContentSummary, ConnectionSummary
} from './options.js'

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
  private readonly scores: PeerScores
  private readonly budget?: RequestBudget
  /** What the node holds for others (budget/): provider streams and direct connections take from it. */
  readonly memory: MemoryBudget
  private readonly provider: Provider
  private readonly announcer: Announcer
  private readonly peers: PeerBook
  private readonly downloads = new Set<Download>()
  private readonly stopping = new AbortController()
  readonly stats = new TransferStats()
  private readonly events: NodeEvents
  private readonly privateKey: PrivateKey
  private readonly options: NodeOptions
  private direct?: DirectTransport
  private readonly capabilities: Capability[]
  /** Running capability services, in start order. */
  private readonly services: NodeService[] = []

  private constructor (dataDir: string, privateKey: PrivateKey, libp2p: ShoalLibp2p, db: ShoalDatabase, lock: DataDirLock, options: NodeOptions, events: NodeEvents, scores: PeerScores, capabilities: Capability[]) {
    this.dataDir = dataDir
    this.scores = scores
    this.budget = options.downloadLimit !== undefined ? new RequestBudget(options.downloadLimit) : undefined
    this.privateKey = privateKey
    this.libp2p = libp2p
    this.db = db
    this.lock = lock
    this.events = events
    this.options = options
    this.capabilities = capabilities
    this.peers = new PeerBook(libp2p)
    const { readerStall, frameDeadlineMs, ...limits } = options.memory ?? {}
    this.memory = new MemoryBudget(limits)
    this.provider = new Provider({
      budget: this.memory,
      readerStall,
      frameDeadlineMs,
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
      event => this.events.announce?.(event),
      () => this.dhtPeers()
    )
  }

  static async create (options: NodeOptions = {}, events: NodeEvents = {}): Promise<ShoalNode> {
    const dataDir = resolve(options.dataDir ?? defaultDataDir())
    const lock = await lockDataDir(dataDir)
    let db: ShoalDatabase | undefined
    let libp2p: ShoalLibp2p | undefined
    let node: ShoalNode | undefined
    try {
      const privateKey = await loadOrCreateKey(dataDir, events.warning)
      db = ShoalDatabase.open(join(dataDir, DATABASE_FILE))
      if (db.recovered) events.warning?.('the database was damaged; it was moved aside and a new one started')
      // Created before the network, whose connection gater refuses banned peers.
      const scores = new PeerScores()
      const gater = connectionGater({ isBanned: id => scores.isBanned(id), connectionsOf: id => libp2p?.getConnections(id).length ?? 0 })
      const capabilities = capabilitiesFor(options)
      const extensions = capabilities.flatMap(c => c.network !== undefined ? [c.network] : [])
      libp2p = await createNetwork({ privateKey, listen: options.listen, bootstrap: options.bootstrap, mdns: options.mdns, gater, networkKey: options.networkKey, extensions, metricsRegistry: options.metricsRegistry, webSockets: options.webSockets, announce: options.announce, dhtClient: options.dhtClient })
      node = new ShoalNode(dataDir, privateKey, libp2p, db, lock, options, events, scores, capabilities)
      await node.start()
      return node
    } catch (err) {
      if (node !== undefined) {
        await node.stop().catch(() => {})
        throw err
      }
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

  /** TCP port of the direct-connection server (net/direct/), undefined when direct connections are off. */
  directPort (): number | undefined {
    return this.direct?.port
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
    if (this.options.direct !== false && this.options.networkKey === undefined) {
      this.direct = await DirectTransport.start({
        listen: this.options.listen ?? DEFAULT_LISTEN,
        port: this.options.directPort ?? 0,
        readBufferBytes: SESSION_READ_BUFFER_BYTES,
        isBanned: id => this.scores.isBanned(id),
        onPipe: served => { void this.provider.serve(served) },
        handle: async (protocol, handler) => { await this.libp2p.handle(protocol, handler) },
        unhandle: async (protocol) => { await this.libp2p.unhandle(protocol) }
      })
    }
    this.announcer.start()
    this.scores.onFault((peerId, fault) => this.events.fault?.(peerId, fault))
    // A banned peer is hung up on at once; the connection gater refuses it from then on.
    this.scores.onBan(peerId => {
      this.direct?.hangUp(peerId)
      void this.libp2p.hangUp(peerIdFromString(peerId)).catch(() => {})
    })
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
    const components = this.components()
    for (const capability of this.capabilities) {
      const service = await capability.create(components)
      this.services.push(service)
      await service.start()
    }
  }

  /** What a capability's service is handed (node/service.ts). */
  private components (): NodeComponents {
    return {
      peerId: this.peerId,
      privateKey: this.privateKey,
      dataDir: this.dataDir,
      libp2p: this.libp2p,
      db: this.db,
      scores: this.scores,
      registry: this.registry,
      content: this,
      signal: this.stopping.signal,
      warn: message => this.events.warning?.(message),
      directPort: () => this.direct?.port
    }
  }

  /** The running capability service of that name (node/service.ts), if this node runs one. */
  service<T extends NodeService> (name: string): T | undefined {
    return this.services.find(s => s.name === name) as T | undefined
  }

  /** Shares a file or folder in place; it is served until the node stops (and again after a restart). */
  async share (path: string, options: ShareOptions = {}): Promise<ShareResult> {
    if (options.secret === true) {
      return await shareSecret({
        dataDir: this.dataDir,
        privateKey: this.privateKey,
        shareFolder: async folder => await this.share(folder, { signal: options.signal, pieceSize: options.pieceSize }),
        linkFor: cid => this.linkFor(cid)
      }, path, options)
    }
    const built = await buildContent(path, options)
    const envelope = await signManifest(built.bytes, this.privateKey)
    const signed = encodeSignedManifest(envelope)
    const key = built.cid.toString()
    const files = new PieceFiles(new PieceLayout(built.manifest), built.manifest, built.rootPath)
    const content = new SwarmContent({ cid: built.cid, signed, manifest: built.manifest, publisher: this.peerId, hashes: built.hashes, files, trust: { kind: 'stamps', stamps: built.stamps } })
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

  /**
   * A link to `cid` that carries this node's addresses as hints: those nodes dial (TCP, and
   * circuits to relays over TCP); WebSockets ones go in the web link (api/page-server.ts).
   */
  linkFor (cid: CID): string {
    const all = this.libp2p.getMultiaddrs()
    const forNodes = all.filter(a => !overWebSockets(a.toString()))
    const peers = (forNodes.length > 0 ? forNodes : all).slice(0, MAX_LINK_ADDRS)
    return formatLink({ cid, peers })
  }

  /** Downloads the content behind a link or bare CID into `options.output`, verifying every piece. */
  async get (linkOrCid: string, options: GetOptions = {}): Promise<DownloadResult> {
    const link = parseLink(linkOrCid)
    const { key } = link
    if (key !== undefined) {
      return await getSecret({
        dataDir: this.dataDir,
        db: this.db,
        download: async outputDir => await this.download(link, { ...options, output: outputDir }, requireSecret)
      }, { ...link, key }, options.output)
    }
    return await this.download(link, options, options.sealed === true ? () => {} : refuseSecretWithoutKey)
  }

  /** An ordinary download of `link`'s content; `onManifest` may refuse it before anything is written. */
  private async download (link: ShoalLink, options: GetOptions, onManifest: (manifest: Manifest) => void): Promise<DownloadResult> {
    const publisher = options.publisher !== undefined ? checkPeerId(options.publisher, 'publisher') : undefined
    const signal = AbortSignal.any([this.stopping.signal, ...(options.signal !== undefined ? [options.signal] : [])])
    const noSource = new AbortController()
    const key = link.cid.toString()
    trace('get:start', key)
    const download = new Download({
      registry: this.registry,
      scores: this.scores,
      localPeerId: this.peerId,
      openStream: async (peerId, s) => {
        const connection = await this.connectionFor(peerIdFromString(peerId), s)
        trace('get:connection', key)
        const stream = await connection.newStream(SWARM_PROTOCOLS, { signal: s })
        trace('get:stream', key)
        return streamPipe(stream, SESSION_READ_BUFFER_BYTES, isCircuit(connection) ? 'relayed' : 'libp2p')
      },
      openDirect: this.direct !== undefined ? async (peerId, s) => await this.openDirect(peerId, s) : undefined,
      learnPeers: async records => await this.peers.learn(records),
      budget: this.budget
    }, {
      cid: link.cid,
      storage: new DiskStorage({ key, db: this.db, journalDir: join(this.dataDir, JOURNAL_DIR), outputDir: resolve(options.output ?? '.') }),
      stallTimeoutMs: options.timeoutMs ?? DEFAULT_STALL_TIMEOUT_MS,
      signal,
      onProgress: p => { if (p.phase !== 'finding') trace(`get:${p.phase}`, key); options.onProgress?.(p) },
      onPiece: event => { trace('get:piece', key); options.onPiece?.(event) },
      publisher,
      onManifest: manifest => { trace('get:manifest', key); onManifest(manifest); options.onManifest?.(manifest) },
      skipPeer: options.avoid !== undefined && options.avoid.length > 0 ? id => options.avoid?.includes(id) === true : undefined,
      onNoSource: () => noSource.abort()
    })
    options.onStart?.(download)
    const searching = new AbortController()
    this.downloads.add(download)
    try {
      // Peers named in the link and peers already connected are asked first; the DHT only once
      // none of them has the content, or after SEARCH_DELAY_WITH_HINTS_MS.
      let asked = 0
      for (const id of await this.peers.addAddrs(link.peers)) if (download.addPeer(id)) asked++
      for (const id of this.connectedPeers()) if (download.addPeer(id)) asked++
      void searchProviders(
        (cid, s) => {
          const trace = new LookupTrace(this.peerId)
          return mapProviders(this.libp2p.contentRouting.findProviders(cid, { signal: s, onProgress: trace.onProgress }), (ok, found) => this.events.lookup?.({ cid: cid.toString(), ok, found, ...trace.result() }))
        },
        link.cid, id => download.addPeer(id), AbortSignal.any([searching.signal, signal]),
        asked > 0 ? SEARCH_DELAY_WITH_HINTS_MS : 0, noSource.signal, () => download.connectedPeers())
      const result = await download.run()
      for (const [peerId, bytes] of Object.entries(result.peers)) this.stats.downloaded(peerId, bytes)
      this.announcer.announce(link.cid)
      return result
    } finally {
      searching.abort(SEARCH_ENDED)
      this.downloads.delete(download)
    }
  }

  /** A direct connection to `peerId` (over the address of our libp2p connection to it), if it can be reached so. */
  private async openDirect (peerId: string, signal: AbortSignal): Promise<Pipe | undefined> {
    if (this.direct === undefined) return undefined
    const id = peerIdFromString(peerId)
    const connection = await this.connectionFor(id, signal)
    if (this.services.find(s => s.directDialable !== undefined)?.directDialable?.(connection) === false) return undefined
    return await this.direct.open(id, connection, signal)
  }

  /** The connection for piece data: a capability's choice (node/service.ts), else libp2p's dial. */
  private async connectionFor (peer: PeerId, signal: AbortSignal): Promise<Connection> {
    const chooser = this.services.find(s => s.connectionFor !== undefined)
    return chooser?.connectionFor !== undefined ? await chooser.connectionFor(peer, signal) : await this.libp2p.dial(peer, { signal })
  }

  /** Everything this node shares or downloads, as the database records it, with live piece counts. */
  listContent (): ContentSummary[] {
    return summarizeContent(this.db.listContent(), this.registry, cid => this.linkFor(cid))
  }

  /** The content this node serves under `cid` (complete or still downloading), if any. */
  contentOf (cid: string): SwarmContent | undefined {
    return this.registry.get(cid)
  }

  /** Stops serving `cid` and forgets it (files stay on disk). Returns whether there was anything to remove. */
  async removeContent (cid: string): Promise<boolean> {
    let parsed: CID
    try {
      parsed = CID.parse(cid)
    } catch {
      throw new ShoalError(ErrorCode.BadArgument, `not a content ID: ${cid}`)
    }
    const content = this.registry.get(cid)
    this.registry.delete(cid)
    this.announcer.withdraw(parsed)
    await content?.files.close().catch(() => {})
    return this.db.removeContent(cid) || content !== undefined
  }

  /** Dials a peer by multiaddr; returns its peer ID. */
  async connect (addr: string): Promise<string> {
    let target
    try {
      target = multiaddr(addr)
    } catch {
      throw new ShoalError(ErrorCode.BadArgument, `not a multiaddr: ${addr} (example: /ip4/127.0.0.1/tcp/4001/p2p/12D3Koo…)`)
    }
    try {
      const connection = await this.libp2p.dial(target, { signal: AbortSignal.any([this.stopping.signal, AbortSignal.timeout(CONNECT_TIMEOUT_MS)]) })
      return connection.remotePeer.toString()
    } catch (err: any) {
      throw new ShoalError(ErrorCode.Unreachable, `cannot connect to ${addr}: ${String(err?.message ?? err).split('\n')[0]}`)
    }
  }

  /** Refuses to deal with `peerId` from now on (for `ms`, default an hour) and hangs up on it. */
  async ban (peerId: string, ms?: number): Promise<void> {
    let id
    try {
      id = peerIdFromString(peerId)
    } catch {
      throw new ShoalError(ErrorCode.BadArgument, `not a peer ID: ${peerId}`)
    }
    this.scores.ban(id.toString(), ms)
    await this.libp2p.hangUp(id).catch(() => {})
  }

  /** Open connections, one entry per peer. */
  connections (): ConnectionSummary[] {
    return summarizeConnections(this.libp2p.getConnections())
  }

  /** Peers in the DHT routing table. */
  dhtPeers (): number {
    return dhtTableSize(this.libp2p)
  }

  async stop (): Promise<void> {
    if (this.stopping.signal.aborted) return
    this.stopping.abort()
    for (const service of [...this.services].reverse()) await service.stop().catch(() => {})
    this.announcer.stop()
    await this.provider.stop().catch(() => {})
    await this.direct?.stop().catch(() => {})
    await Promise.resolve(this.libp2p.stop()).catch(() => {})
    for (const content of this.registry.list()) await content.files.close().catch(() => {})
    this.db.close()
    await this.lock.release()
  }
}

async function * mapProviders (source: AsyncIterable<{ id: { toString: () => string } }>, done?: (ok: boolean, found: number) => void): AsyncGenerator<{ id: string }> {
  let found = 0
  try {
    for await (const peer of source) {
      found++
      yield { id: peer.id.toString() }
    }
    done?.(true, found)
  } catch (err) {
    done?.(false, found)
    throw err
  }
}

function isCircuit (connection: Connection): boolean {
  return connection.remoteAddr.getComponents().some(p => p.name === 'p2p-circuit')
}

/** `text` as a canonical peer ID string; ShoalError(BadArgument) if it is not one. */
function checkPeerId (text: string, what: string): string {
  try {
    return peerIdFromString(text).toString()
  } catch {
    throw new ShoalError(ErrorCode.BadArgument, `${what} is not a peer ID: ${JSON.stringify(text.slice(0, 80))}`)
  }
}

/** Starts a Shoal node. */
export async function createNode (options: NodeOptions = {}, events: NodeEvents = {}): Promise<ShoalNode> {
  return await ShoalNode.create(options, events)
}

export { ErrorCode, ShoalError }
