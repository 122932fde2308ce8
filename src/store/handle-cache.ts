/**
 * A bounded, least-recently-used set of open FileHandles, keyed by file index.
 *
 * Content can hold more files than the process may keep open, so handles are opened on demand
 * and the idle least-recently-used ones are closed beyond `max`. A handle is never closed while
 * an operation uses it (it would fail with EBADF); if every handle is busy the cache briefly goes
 * over `max` and shrinks as operations finish.
 */
import { open, type FileHandle } from 'node:fs/promises'
import { ErrorCode, ShoalError } from '../errors.js'

/** 'r' for content served in place (may be on read-only media), 'r+' once we write. */
const READ_FLAGS = 'r'
const WRITE_FLAGS = 'r+'

interface Entry {
  readonly writable: boolean
  readonly opening: Promise<FileHandle>
  users: number
  /** Set once the entry left the cache while busy: resolves its close when the last user leaves. */
  onIdle?: () => void
}

export class HandleCache {
  /** Map order is recency order: the first entry is the least recently used. */
  private readonly entries = new Map<number, Entry>()
  private readonly closing = new Set<Promise<void>>()
  private closed = false

  constructor (
    private readonly max: number,
    private readonly pathOf: (file: number) => string
  ) {}

  /** Runs `fn` with an open handle for `file`; a read-only handle is reopened if `writable`. */
  async use<T> (file: number, writable: boolean, fn: (handle: FileHandle) => Promise<T>): Promise<T> {
    const entry = this.checkout(file, writable)
    try {
      return await fn(await entry.opening)
    } finally {
      this.checkin(entry)
    }
  }

  /** Closes every handle, waiting for operations still using one. */
  async close (): Promise<void> {
    this.closed = true
    for (const [file, entry] of [...this.entries]) this.evict(file, entry)
    while (this.closing.size > 0) await Promise.all([...this.closing])
  }

  private checkout (file: number, writable: boolean): Entry {
    if (this.closed) throw new ShoalError(ErrorCode.Aborted, 'piece files are closed')
    let entry = this.entries.get(file)
    if (entry !== undefined && writable && !entry.writable) {
      this.evict(file, entry)
      entry = undefined
    }
    if (entry === undefined) {
      entry = this.openEntry(file, writable)
    } else {
      this.entries.delete(file) // re-insert below: now the most recently used
    }
    this.entries.set(file, entry)
    entry.users++
    this.trim()
    return entry
  }

  private checkin (entry: Entry): void {
    entry.users--
    if (entry.users === 0 && entry.onIdle !== undefined) entry.onIdle()
    else this.trim()
  }

  private openEntry (file: number, writable: boolean): Entry {
    const entry: Entry = { writable, opening: open(this.pathOf(file), writable ? WRITE_FLAGS : READ_FLAGS), users: 0 }
    // A failed open must not stay cached: the next use retries (e.g. after prepare()).
    entry.opening.catch(() => {
      if (this.entries.get(file) === entry) this.entries.delete(file)
    })
    return entry
  }

  /** Closes idle least-recently-used handles until at most `max` remain. */
  private trim (): void {
    if (this.entries.size <= this.max) return
    for (const [file, entry] of this.entries) {
      if (this.entries.size <= this.max) break
      if (entry.users === 0) this.evict(file, entry)
    }
  }

  /** Removes `entry` from the cache and closes its handle as soon as nobody uses it. */
  private evict (file: number, entry: Entry): void {
    if (this.entries.get(file) === entry) this.entries.delete(file)
    const idle = entry.users === 0
      ? Promise.resolve()
      : new Promise<void>(resolve => { entry.onIdle = resolve })
    const done: Promise<void> = idle
      .then(async () => await entry.opening)
      .then(async handle => { await handle.close() })
      // Close errors have nowhere useful to go; durability comes from sync(), not close().
      .catch(() => {})
      .finally(() => this.closing.delete(done))
    this.closing.add(done)
  }
}
