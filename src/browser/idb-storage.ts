/// <reference lib="dom" />
import type { Uint8ArrayList } from 'uint8arraylist'
import type { PieceLayout } from '../content/layout.js'
import type { Manifest } from '../content/manifest.js'
import type { FileStamp } from '../content/file-stamp.js'
import { ErrorCode, ShoalError } from '../errors.js'
import type { PieceStore } from '../swarm/common/piece-store.js'
import { IDB_NAME, STORAGE_OP_TIMEOUT_MS } from './constants.js'
import type { PageStorage } from './page-storage.js'

const PIECES = 'pieces'
const STATE = 'state'

/** One IndexedDB request as a promise, bounded in time. */
async function done<T> (request: IDBRequest<T>): Promise<T> {
  return await new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new ShoalError(ErrorCode.Timeout, 'browser storage did not answer')), STORAGE_OP_TIMEOUT_MS)
    request.onsuccess = () => { clearTimeout(timer); resolve(request.result) }
    request.onerror = () => {
      clearTimeout(timer)
      const quota = request.error?.name === 'QuotaExceededError'
      reject(quota ? new ShoalError(ErrorCode.DiskFull, 'the browser\'s storage for this page is full') : new ShoalError(ErrorCode.NoWriteAccess, `browser storage: ${request.error?.message ?? 'failed'}`))
    }
  })
}

async function openDatabase (): Promise<IDBDatabase> {
  const request = indexedDB.open(IDB_NAME, 1)
  request.onupgradeneeded = () => {
    request.result.createObjectStore(PIECES)
    request.result.createObjectStore(STATE)
  }
  return await done(request)
}

/**
 * Pieces in IndexedDB, one Blob per piece keyed by [content ID, piece]: where a page has no
 * private file system (not a secure context: a page from `http://<LAN address>`). Blobs let the
 * browser keep the bytes on disk, and Save joins them into one Blob without reading them.
 */
class IdbPieces implements PieceStore {
  constructor (private readonly db: IDBDatabase, private readonly key: string, private readonly layout: PieceLayout) {}

  async readPiece (piece: number, into?: Uint8Array): Promise<Uint8Array> {
    const blob = await done(this.db.transaction(PIECES).objectStore(PIECES).get([this.key, piece])) as Blob | undefined
    if (blob === undefined) throw new ShoalError(ErrorCode.NotFound, `piece ${piece} is not stored`)
    const data = new Uint8Array(await blob.arrayBuffer())
    if (into === undefined || into.byteLength < data.byteLength) return data
    into.set(data)
    return into.subarray(0, data.byteLength)
  }

  async writePiece (piece: number, data: Uint8Array | Uint8ArrayList): Promise<void> {
    const chunks = data instanceof Uint8Array ? [data] : [...data]
    await done(this.db.transaction(PIECES, 'readwrite').objectStore(PIECES).put(new Blob(chunks as BlobPart[]), [this.key, piece]))
  }

  async prepare (): Promise<void> {}
  async sync (): Promise<void> {} // a transaction is durable once it completes
  stampOf (_file: number): FileStamp | undefined { return undefined }
  async close (): Promise<void> {}

  /** File `index` as one Blob of its pieces, in order. */
  async fileOf (index: number): Promise<Blob> {
    const first = this.layout.firstPiece(index)
    const parts: Blob[] = []
    for (let piece = first; piece < first + this.layout.pieceCountOf(index); piece++) {
      parts.push(await done(this.db.transaction(PIECES).objectStore(PIECES).get([this.key, piece])) as Blob)
    }
    return new Blob(parts)
  }
}

/** A page's download storage in IndexedDB (see IdbPieces), with the verified-piece map for a resume. */
export class IdbStorage implements PageStorage {
  location = ''
  private db?: IDBDatabase
  private pieces?: IdbPieces

  constructor (private readonly key: string) {}

  async check (): Promise<void> {
    if (typeof indexedDB === 'undefined') throw new ShoalError(ErrorCode.NoWriteAccess, 'this browser gives the page no storage for pieces')
    this.db = await openDatabase()
  }

  async place (manifest: Manifest, layout: PieceLayout): Promise<'done' | 'todo'> {
    this.location = manifest.name
    const estimate = await navigator.storage?.estimate().catch(() => undefined)
    const free = estimate?.quota !== undefined ? estimate.quota - (estimate.usage ?? 0) : Infinity
    if (layout.totalSize > free) throw new ShoalError(ErrorCode.DiskFull, `the browser lets this page store ${Math.floor(free / 2 ** 20)} MiB, and ${manifest.name} is ${Math.ceil(layout.totalSize / 2 ** 20)} MiB`)
    return 'todo'
  }

  async open (_manifest: Manifest, layout: PieceLayout): Promise<{ files: PieceStore, claimed?: Uint8Array }> {
    const db = this.opened()
    this.pieces = new IdbPieces(db, this.key, layout)
    const saved = await done(db.transaction(STATE).objectStore(STATE).get(this.key)).catch(() => undefined) as Uint8Array | undefined
    return { files: this.pieces, claimed: saved }
  }

  async begin (_signed: Uint8Array, _hashes: Uint8Array, bitfield: Uint8Array): Promise<void> {
    this.saveProgress(bitfield)
  }

  pieceAdded (_piece: number): void {}

  saveProgress (bitfield: Uint8Array): void {
    void done(this.opened().transaction(STATE, 'readwrite').objectStore(STATE).put(bitfield.slice(), this.key)).catch(() => {})
  }

  async commit (files: PieceStore): Promise<PieceStore> {
    return files
  }

  async close (): Promise<void> {}

  async fileOf (index: number): Promise<Blob> {
    if (this.pieces === undefined) throw new ShoalError(ErrorCode.NotFound, 'nothing stored yet')
    return await this.pieces.fileOf(index)
  }

  async remove (): Promise<void> {
    const db = this.opened()
    const range = IDBKeyRange.bound([this.key, 0], [this.key, Number.MAX_SAFE_INTEGER])
    await done(db.transaction(PIECES, 'readwrite').objectStore(PIECES).delete(range))
    await done(db.transaction(STATE, 'readwrite').objectStore(STATE).delete(this.key))
  }

  private opened (): IDBDatabase {
    if (this.db === undefined) throw new Error('storage used before check()')
    return this.db
  }
}
