/**
 * The verified-piece journal of a download: every piece, once verified and written to the partial
 * file, is appended here (4 bytes, u32 big-endian). The database's piece map is saved only now and
 * then; after a crash (kill -9) the journal tells which pieces written since are on disk, so a
 * resumed download re-fetches only the pieces that were in flight. Both are claims, never trusted:
 * every claimed piece is re-hashed on disk before it counts (download-setup.recheckPieces).
 *
 * Appends are batched (one write for all pieces verified meanwhile), so the cost per piece is a
 * few bytes in memory. A write reaches the kernel before the next batch starts, which is what
 * survives a killed process; a power cut may lose the tail, which only costs re-fetching.
 */
import { mkdir, open, readFile, rm, stat, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'

export const JOURNAL_ENTRY_BYTES = 4
/**
 * A journal holds each piece at most once per run and starts empty after a resume, so it never
 * legitimately exceeds pieceCount entries; past this many it is not trusted at all.
 */
export const MAX_JOURNAL_ENTRIES_PER_PIECE = 2

export class PieceJournal {
  readonly path: string
  private handle?: FileHandle
  private pending: number[] = []
  private writing?: Promise<void>
  private failed = false

  constructor (path: string) {
    this.path = path
  }

  /**
   * Pieces a previous run recorded, in range and without duplicates; [] when there is no journal
   * or it is not believable. A torn last entry (the process died inside a write) is ignored.
   */
  async read (pieceCount: number): Promise<number[]> {
    const limit = pieceCount * JOURNAL_ENTRY_BYTES * MAX_JOURNAL_ENTRIES_PER_PIECE
    let bytes: Buffer
    try {
      if ((await stat(this.path)).size > limit) return []
      bytes = await readFile(this.path)
    } catch {
      return []
    }
    const pieces = new Set<number>()
    for (let at = 0; at + JOURNAL_ENTRY_BYTES <= bytes.byteLength; at += JOURNAL_ENTRY_BYTES) {
      const piece = bytes.readUInt32BE(at)
      if (piece < pieceCount) pieces.add(piece)
    }
    return [...pieces]
  }

  /** Starts this run's journal, empty (what the previous one claimed is in the database by now). */
  async start (): Promise<void> {
    try {
      await mkdir(dirname(this.path), { recursive: true })
      this.handle = await open(this.path, 'w')
    } catch {
      this.failed = true // best effort: without a journal a crash costs the pieces since the last save
    }
  }

  /** Records a verified piece (batched; see the file comment). */
  append (piece: number): void {
    if (this.failed || this.handle === undefined) return
    this.pending.push(piece)
    this.writing ??= this.drain()
  }

  /** Waits for recorded pieces to be written, then closes the file. */
  async close (): Promise<void> {
    await this.writing
    const handle = this.handle
    this.handle = undefined
    await handle?.close().catch(() => {})
  }

  /** The download is complete: the journal is no longer needed. */
  async remove (): Promise<void> {
    await this.close()
    await rm(this.path, { force: true }).catch(() => {})
  }

  private async drain (): Promise<void> {
    try {
      while (this.pending.length > 0 && this.handle !== undefined) {
        const batch = this.pending
        this.pending = []
        const bytes = Buffer.alloc(batch.length * JOURNAL_ENTRY_BYTES)
        batch.forEach((piece, i) => bytes.writeUInt32BE(piece, i * JOURNAL_ENTRY_BYTES))
        await this.handle.write(bytes)
      }
    } catch {
      this.failed = true
      this.pending = []
    } finally {
      this.writing = undefined
    }
  }
}
