/// <reference lib="dom" />
import type { Uint8ArrayList } from 'uint8arraylist'
import type { PieceLayout } from '../content/layout.js'
import type { Manifest } from '../content/manifest.js'
import type { FileStamp } from '../content/file-stamp.js'
import type { PieceStore } from '../swarm/common/piece-store.js'
import type { PageStorage } from './page-storage.js'
import { ErrorCode, ShoalError } from '../errors.js'
import { BITFIELD_FILE, OPFS_ROOT } from './constants.js'
import type { StorageWorker } from './storage-worker-client.js'

/** A download's files in the origin's private file system (one folder per content ID), through the storage worker. */
export class OpfsFiles implements PieceStore {
  constructor (private readonly worker: StorageWorker, private readonly layout: PieceLayout, private readonly sizes: number[], private readonly folder: string) {}

  async readPiece (piece: number, into?: Uint8Array): Promise<Uint8Array> {
    const loc = this.layout.locate(piece)
    const reply = await this.worker.ask({ op: 'read', file: loc.file, offset: loc.offset, length: loc.length })
    const data = new Uint8Array(reply.data ?? new ArrayBuffer(0))
    if (into === undefined || into.byteLength < data.byteLength) return data
    into.set(data)
    return into.subarray(0, data.byteLength)
  }

  async writePiece (piece: number, data: Uint8Array | Uint8ArrayList): Promise<void> {
    const loc = this.layout.locate(piece)
    // A copy of its own: the bytes arrived as views of larger buffers, which must not be detached.
    const copy = new Uint8Array(loc.length)
    let at = 0
    for (const chunk of data instanceof Uint8Array ? [data] : data) {
      copy.set(chunk, at)
      at += chunk.byteLength
    }
    await this.worker.ask({ op: 'write', file: loc.file, offset: loc.offset, data: copy.buffer }, [copy.buffer])
  }

  async prepare (): Promise<void> {
    await this.worker.ask({ op: 'open', folder: this.folder, sizes: this.sizes })
  }

  async sync (): Promise<void> {
    await this.worker.ask({ op: 'flush' })
  }

  stampOf (_file: number): FileStamp | undefined {
    return undefined // only this page writes here: its own writes are trusted (serve-check.ts)
  }

  async close (): Promise<void> {
    await this.worker.ask({ op: 'close' })
  }
}

/**
 * A page's download storage (swarm/requester/download-storage.ts): the files in OPFS, and the map
 * of verified pieces beside them, so a reload resumes (every claimed piece is hashed again first).
 */
export class OpfsStorage implements PageStorage {
  private files?: OpfsFiles
  location = ''

  constructor (private readonly worker: StorageWorker, private readonly key: string) {}

  async check (): Promise<void> {
    if (typeof navigator.storage?.getDirectory !== 'function') throw new ShoalError(ErrorCode.NoWriteAccess, 'this page has no private file system to store pieces in (it is not a secure context: open it from https:// or http://127.0.0.1)')
  }

  async place (manifest: Manifest, layout: PieceLayout): Promise<'done' | 'todo'> {
    this.location = manifest.name
    const estimate = await navigator.storage.estimate().catch(() => undefined)
    const free = estimate?.quota !== undefined ? estimate.quota - (estimate.usage ?? 0) : Infinity
    if (layout.totalSize > free) {
      throw new ShoalError(ErrorCode.DiskFull, `the browser lets this page store ${Math.floor(free / 2 ** 20)} MiB, and ${manifest.name} is ${Math.ceil(layout.totalSize / 2 ** 20)} MiB`)
    }
    return 'todo'
  }

  async open (manifest: Manifest, layout: PieceLayout): Promise<{ files: PieceStore, claimed?: Uint8Array }> {
    this.files = new OpfsFiles(this.worker, layout, manifest.files.map(f => f.size), this.key)
    await this.files.prepare()
    const saved = await this.worker.ask({ op: 'get', name: BITFIELD_FILE }).catch(() => undefined)
    const claimed = saved?.data !== undefined && saved.data.byteLength > 0 ? new Uint8Array(saved.data) : undefined
    return { files: this.files, claimed }
  }

  async begin (_signed: Uint8Array, _hashes: Uint8Array, bitfield: Uint8Array): Promise<void> {
    this.saveProgress(bitfield)
  }

  pieceAdded (_piece: number): void {}

  saveProgress (bitfield: Uint8Array): void {
    const copy = bitfield.slice()
    void this.worker.ask({ op: 'put', name: BITFIELD_FILE, data: copy.buffer }, [copy.buffer]).catch(() => {})
  }

  async commit (files: PieceStore): Promise<PieceStore> {
    await files.sync()
    return files
  }

  async close (): Promise<void> {}

  /** A finished file as a `File` the page can hand to the user (the worker lets go of it first). */
  async fileOf (index: number): Promise<File> {
    await this.files?.close()
    const top = await navigator.storage.getDirectory()
    const folder = await (await top.getDirectoryHandle(OPFS_ROOT)).getDirectoryHandle(this.key)
    return await (await folder.getFileHandle(`f${index}`)).getFile()
  }

  /** Deletes everything this download stored. */
  async remove (): Promise<void> {
    await this.worker.ask({ op: 'remove', folder: this.key })
  }
}
