import { join } from 'node:path'
import type { Manifest } from '../../content/manifest.js'
import type { PieceLayout } from '../../content/layout.js'
import { ErrorCode, ShoalError } from '../../errors.js'
import type { ShoalDatabase } from '../../store/database.js'
import { checkOutputDir, commitDownload, downloadPaths, exists, type DownloadPaths } from '../../store/download-paths.js'
import { checkFreeSpace } from '../../store/disk-space.js'
import { PieceFiles } from '../../store/piece-files.js'
import { PieceJournal } from '../../store/piece-journal.js'
import type { PieceStore } from '../common/piece-store.js'
import { claimedPieces } from './download-setup.js'
import type { DownloadStorage } from './download-storage.js'

export interface DiskStorageInit {
  /** Content ID, as the database keys it. */
  key: string
  /** Folder to write `<name>` into. */
  outputDir: string
  db: ShoalDatabase
  /** Folder for verified-piece journals (store/piece-journal.ts); none: resume from the saved map only. */
  journalDir?: string
}

/**
 * A Node download's storage: a hidden partial file or folder beside the destination, renamed into
 * place once verified (store/download-paths.ts); the database's record and a journal of verified
 * pieces, from which a later run resumes.
 */
export class DiskStorage implements DownloadStorage {
  private paths?: DownloadPaths
  private journal?: PieceJournal
  private content?: { manifest: Manifest, layout: PieceLayout }

  constructor (private readonly init: DiskStorageInit) {}

  get location (): string {
    return this.paths?.final ?? ''
  }

  async check (): Promise<void> {
    await checkOutputDir(this.init.outputDir)
  }

  async place (manifest: Manifest, layout: PieceLayout): Promise<'done' | 'todo'> {
    const paths = downloadPaths(this.init.outputDir, manifest.name)
    this.paths = paths
    this.content = { manifest, layout }
    if (await exists(paths.final)) {
      const record = this.init.db.getContent(this.init.key)
      if (record?.complete === true && record.path === paths.final) return 'done'
      throw new ShoalError(ErrorCode.OutputExists, `${paths.final} already exists; remove it or choose another --output`)
    }
    // Before anything is allocated (hashes, files): a manifest may declare any size.
    await checkFreeSpace(this.init.outputDir, paths.partial, layout.totalSize)
    return 'todo'
  }

  async open (manifest: Manifest, layout: PieceLayout): Promise<{ files: PieceStore, claimed?: Uint8Array }> {
    const paths = this.placed()
    const files = new PieceFiles(layout, manifest, paths.partial)
    const saved = this.init.db.getContent(this.init.key)
    const resumable = saved !== undefined && !saved.complete && saved.partialPath === paths.partial && await exists(paths.partial)
    this.journal = this.init.journalDir !== undefined ? new PieceJournal(join(this.init.journalDir, this.init.key)) : undefined
    const journaled = await this.journal?.read(layout.pieceCount) ?? []
    await files.prepare()
    return { files, claimed: claimedPieces(layout.pieceCount, resumable ? saved?.bitfield : undefined, journaled) }
  }

  async begin (signed: Uint8Array, hashes: Uint8Array, bitfield: Uint8Array): Promise<void> {
    const paths = this.placed()
    this.init.db.putContent({
      cid: this.init.key, role: 'download', signed, hashes, path: paths.final,
      partialPath: paths.partial, complete: false, bitfield, addedAt: Date.now()
    })
    await this.journal?.start()
  }

  pieceAdded (piece: number): void {
    this.journal?.append(piece)
  }

  saveProgress (bitfield: Uint8Array): void {
    this.init.db.saveProgress(this.init.key, bitfield)
  }

  async commit (files: PieceStore): Promise<PieceStore> {
    const paths = this.placed()
    await files.sync()
    await files.close()
    await commitDownload(paths)
    const { layout, manifest } = this.content as { manifest: Manifest, layout: PieceLayout }
    const final = new PieceFiles(layout, manifest, paths.final)
    this.init.db.markComplete(this.init.key, paths.final)
    await this.journal?.remove()
    return final
  }

  async close (): Promise<void> {
    await this.journal?.close()
  }

  private placed (): DownloadPaths {
    if (this.paths === undefined) throw new Error('download storage used before place()')
    return this.paths
  }
}
