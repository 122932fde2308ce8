import { readFile } from 'node:fs/promises'
import { writeAtomically } from './api-file.js'
import type { DownloadSpec } from './managed-download.js'

/** One unfinished download as saved for the next daemon start. */
export interface SavedDownload extends DownloadSpec {
  paused: boolean
}

/**
 * The daemon's unfinished downloads in one JSON file, so a restarted daemon resumes what was
 * running and lists what was paused. Writes are serialised and atomic (write, then rename).
 */
export class DownloadStore {
  private writing: Promise<void> = Promise.resolve()

  constructor (private readonly file: string) {}

  async load (): Promise<SavedDownload[]> {
    let parsed: unknown
    try {
      parsed = JSON.parse(await readFile(this.file, 'utf8'))
    } catch {
      return []
    }
    if (!Array.isArray(parsed)) return []
    return parsed.filter(isSavedDownload)
  }

  /** Queues a write of `downloads`; resolves when it (and every earlier one) is on disk. */
  async save (downloads: SavedDownload[]): Promise<void> {
    const text = JSON.stringify(downloads, null, 2) + '\n'
    this.writing = this.writing.then(async () => await writeAtomically(this.file, text)).catch(() => {})
    await this.writing
  }
}

function isSavedDownload (value: unknown): value is SavedDownload {
  const v = value as Partial<SavedDownload> | null
  return typeof v === 'object' && v !== null &&
    typeof v.cid === 'string' && typeof v.link === 'string' && typeof v.output === 'string' &&
    typeof v.timeoutMs === 'number' && typeof v.addedAt === 'number' && typeof v.paused === 'boolean' &&
    (v.publisher === undefined || typeof v.publisher === 'string')
}
