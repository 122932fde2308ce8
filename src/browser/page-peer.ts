/// <reference lib="dom" />
/**
 * A web page as a Shoal peer: the page's libp2p node (network.ts) and Shoal's own swarm code
 * (swarm/requester/download.ts: sessions, picker, scoring, peer exchange; swarm/provider: serving
 * what it has verified, while the download runs and after, to whoever is connected to it), with
 * pieces hashed by WebCrypto and stored in the origin's private file system (opfs-storage.ts).
 */
import { peerIdFromString } from '@libp2p/peer-id'
import type { ShoalLink } from '../content/link.js'
import { streamPipe } from '../net/pipe.js'
import { PeerBook } from '../node/peer-book.js'
import { PeerScores } from '../swarm/common/peer-scores.js'
import { Provider } from '../swarm/provider/provider.js'
import { MemoryBudget } from '../budget/memory-budget.js'
import { ContentRegistry } from '../swarm/common/registry.js'
import { SESSION_READ_BUFFER_BYTES } from '../swarm/requester/constants.js'
import { Download, type DownloadProgress, type DownloadResult, type PieceEvent } from '../swarm/requester/download.js'
import type { Manifest } from '../content/manifest.js'
import { SWARM_PROTOCOLS } from '../swarm/wire/constants.js'
import { PAGE_DIAL_TIMEOUT_MS, PAGE_STALL_TIMEOUT_MS, WORKER_SCRIPT } from './constants.js'
import { createPageNetwork, pageCanDial, type PageLibp2p } from './network.js'
import { OpfsStorage } from './opfs-storage.js'
import { IdbStorage } from './idb-storage.js'
import { hasPrivateFileSystem, type PageStorage } from './page-storage.js'
import { webCryptoPieceHash } from './piece-hash.js'
import { StorageWorker } from './storage-worker-client.js'

export interface PageEvents {
  onProgress?: (progress: DownloadProgress) => void
  onPiece?: (event: PieceEvent) => void
  onManifest?: (manifest: Manifest, publisher: string) => void
  /** A peer was connected to or left. */
  onPeers?: (peers: Array<{ peerId: string, addr: string }>) => void
}

/** Why a link leads this page nowhere (it would otherwise wait for its stall timeout). */
function noDialableMessage (peers: number, pageProtocol: string): string {
  if (peers === 0) return 'the link names no peer, and a page cannot look peers up: open the web link that "shoal share" prints'
  const needed = pageProtocol === 'https:' ? 'a secure WebSockets address (/tls/ws or /wss: a page served over https may not open ws://)' : 'a WebSockets address (/ws or /tls/ws)'
  return `none of the link's ${peers} peer address${peers === 1 ? '' : 'es'} can be dialled from a page: it needs ${needed}; open the web link that "shoal share" prints`
}

export class PagePeer {
  private readonly registry = new ContentRegistry()
  /** The OPFS worker, started on first use (a page that is not a secure context uses IndexedDB). */
  private worker?: StorageWorker
  private readonly stopping = new AbortController()
  private readonly provider: Provider
  /** Bytes of pieces this page has sent to others. */
  uploaded = 0

  private constructor (readonly libp2p: PageLibp2p, private readonly book: PeerBook, readonly scores: PeerScores) {
    this.provider = new Provider({
      // What the page holds for the peers it serves, within the same bounds as a node's.
      budget: new MemoryBudget(),
      registry: this.registry,
      scores,
      handle: async (protocol, handler, options) => { await libp2p.handle(protocol, handler, options) },
      unhandle: async protocol => { await libp2p.unhandle(protocol) },
      describePeers: async ids => await book.describe(ids),
      onUpload: (_peerId, bytes) => { this.uploaded += bytes }
    })
  }

  static async start (events: PageEvents = {}): Promise<PagePeer> {
    const scores = new PeerScores()
    const libp2p = await createPageNetwork({ isBanned: id => scores.isBanned(id) })
    const peer = new PagePeer(libp2p, new PeerBook(libp2p), scores)
    await peer.provider.start()
    const report = (): void => events.onPeers?.(libp2p.getConnections().map(c => ({ peerId: c.remotePeer.toString(), addr: c.remoteAddr.toString() })))
    libp2p.addEventListener('connection:open', report)
    libp2p.addEventListener('connection:close', report)
    scores.onBan(id => { void libp2p.hangUp(peerIdFromString(id)).catch(() => {}) })
    return peer
  }

  get peerId (): string {
    return this.libp2p.peerId.toString()
  }

  /** Downloads the link's content into this page's storage, verifying every piece. */
  async get (link: ShoalLink, events: PageEvents = {}): Promise<{ result: DownloadResult, storage: PageStorage }> {
    const key = link.cid.toString()
    const storage = hasPrivateFileSystem() ? new OpfsStorage(this.opfsWorker(), key) : new IdbStorage(key)
    const download = new Download({
      registry: this.registry,
      scores: this.scores,
      localPeerId: this.peerId,
      openStream: async (peerId, signal) => {
        const connection = await this.libp2p.dial(peerIdFromString(peerId), { signal })
        return streamPipe(await connection.newStream(SWARM_PROTOCOLS, { signal }), SESSION_READ_BUFFER_BYTES)
      },
      learnPeers: async records => await this.book.learn(records),
      hashPiece: webCryptoPieceHash()
    }, {
      cid: link.cid,
      storage,
      stallTimeoutMs: PAGE_STALL_TIMEOUT_MS,
      signal: this.stopping.signal,
      onProgress: events.onProgress,
      onPiece: events.onPiece,
      onManifest: events.onManifest
    })
    const dialable = link.peers.filter(addr => pageCanDial(addr, location.protocol))
    if (dialable.length === 0) throw new Error(noDialableMessage(link.peers.length, location.protocol))
    for (const id of await this.book.addAddrs(dialable)) download.addPeer(id)
    // Dial them at once: the download only learns who is there from connected peers.
    await Promise.all(dialable.map(async addr => await this.libp2p.dial(addr, { signal: AbortSignal.timeout(PAGE_DIAL_TIMEOUT_MS) }).catch(() => undefined)))
    const result = await download.run()
    return { result, storage }
  }

  private opfsWorker (): StorageWorker {
    this.worker ??= new StorageWorker(new URL(WORKER_SCRIPT, import.meta.url))
    return this.worker
  }

  /** Stops serving a content and deletes what this page stored of it. */
  async remove (key: string, storage: PageStorage): Promise<void> {
    this.registry.delete(key)
    await storage.remove()
  }

  async stop (): Promise<void> {
    this.stopping.abort()
    await this.provider.stop()
    this.worker?.terminate()
    await this.libp2p.stop()
  }
}
