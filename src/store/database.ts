/**
 * The node's embedded database: SQLite through Node's built-in `node:sqlite` (DatabaseSync).
 *
 * Why this and not a package: there is no native addon to build (better-sqlite3 built against
 * Node 20 headers fails to load on Node 22); transactions and the write-ahead log make every
 * update crash-safe; and the whole state is one file in the data folder.
 */
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { DatabaseSync, SQLOutputValue, StatementSync } from 'node:sqlite'
import { ErrorCode, ShoalError } from '../errors.js'
import { migrate } from './schema.js'
import { loadSqlite } from './sqlite.js'

export type ContentRole = 'share' | 'download'

export interface ContentRecord {
  cid: string // CID string (base32)
  role: ContentRole
  signed: Uint8Array // encoded signed manifest (opaque here)
  hashes: Uint8Array // all pieces' 32-byte hashes, global order
  path: string // absolute path where the complete content lives (shares: the shared path, served in place)
  partialPath?: string // downloads in progress: absolute path of the temporary file or folder
  complete: boolean
  bitfield?: Uint8Array // downloads in progress: verified pieces (opaque bytes here)
  addedAt: number // ms since epoch
}

/** Wait this long for another connection's write lock before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5_000
const HASH_SIZE = 32
/** Every SQLite file starts with these 16 bytes. */
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1')
/** Primary result codes (the low byte of extended codes) that mean "this file is damaged". */
const SQLITE_CORRUPT = 11
const SQLITE_NOTADB = 26
/** Files SQLite keeps next to the database; they go aside with it. */
const SIDECAR_SUFFIXES = ['-wal', '-shm', '-journal']

/** Marks a file we decided is not a usable database before SQLite even looked at it. */
class CorruptFile extends Error {}

export class ShoalDatabase {
  /** True when the file at the path was damaged, moved aside, and replaced by an empty database. */
  readonly recovered: boolean
  private readonly db: DatabaseSync
  private readonly stmt: {
    put: StatementSync
    get: StatementSync
    listAll: StatementSync
    listRole: StatementSync
    progress: StatementSync
    complete: StatementSync
    remove: StatementSync
  }

  private constructor (db: DatabaseSync, recovered: boolean) {
    this.db = db
    this.recovered = recovered
    this.stmt = {
      // node:sqlite binds a zero-length Uint8Array whose ArrayBuffer has been materialised (any
      // subarray or .buffer access does it) as NULL, not as an empty BLOB: content with no pieces
      // (a 0-byte file) has empty hashes, hence the COALESCE.
      put: db.prepare(`
        INSERT INTO content (cid, role, signed, hashes, path, partial_path, complete, bitfield, added_at)
        VALUES (?, ?, ?, COALESCE(?, x''), ?, ?, ?, ?, ?)
        ON CONFLICT (cid) DO UPDATE SET
          role = excluded.role, signed = excluded.signed, hashes = excluded.hashes,
          path = excluded.path, partial_path = excluded.partial_path, complete = excluded.complete,
          bitfield = excluded.bitfield, added_at = excluded.added_at`),
      get: db.prepare('SELECT * FROM content WHERE cid = ?'),
      listAll: db.prepare('SELECT * FROM content ORDER BY added_at, cid'),
      listRole: db.prepare('SELECT * FROM content WHERE role = ? ORDER BY added_at, cid'),
      progress: db.prepare('UPDATE content SET bitfield = ? WHERE cid = ?'),
      complete: db.prepare('UPDATE content SET complete = 1, path = ?, partial_path = NULL, bitfield = NULL WHERE cid = ?'),
      remove: db.prepare('DELETE FROM content WHERE cid = ?')
    }
  }

  /**
   * Opens (creating if needed) the database at `file`. A file that is not a database or fails
   * `PRAGMA quick_check` is renamed to `<file>.corrupt-<ms>` and a fresh database takes its place.
   */
  static open (file: string): ShoalDatabase {
    const path = resolve(file)
    mkdirSync(dirname(path), { recursive: true })
    try {
      return new ShoalDatabase(openChecked(path), false)
    } catch (err) {
      if (!isCorruption(err)) throw asShoalError(err, path)
    }
    moveAside(path)
    try {
      return new ShoalDatabase(openChecked(path), true)
    } catch (err) {
      throw asShoalError(err, path)
    }
  }

  /** Inserts or fully replaces the record with this CID. */
  putContent (rec: ContentRecord): void {
    if (rec.hashes.byteLength % HASH_SIZE !== 0) {
      throw new ShoalError(ErrorCode.BadArgument, `hashes of ${rec.cid} are ${rec.hashes.byteLength} bytes, not a multiple of ${HASH_SIZE}`)
    }
    this.stmt.put.run(
      rec.cid, rec.role, rec.signed, rec.hashes, rec.path, rec.partialPath ?? null,
      rec.complete ? 1 : 0, rec.bitfield ?? null, rec.addedAt
    )
  }

  getContent (cid: string): ContentRecord | undefined {
    const row = this.stmt.get.get(cid)
    return row === undefined ? undefined : toRecord(row)
  }

  /** All records (or those with `role`), oldest first. */
  listContent (role?: ContentRole): ContentRecord[] {
    const rows = role === undefined ? this.stmt.listAll.all() : this.stmt.listRole.all(role)
    return rows.map(toRecord)
  }

  saveProgress (cid: string, bitfield: Uint8Array): void {
    this.expectOne(this.stmt.progress.run(bitfield, cid).changes, cid)
  }

  /** The download is verified and now lives at `path`: drop its partial path and bitfield. */
  markComplete (cid: string, path: string): void {
    this.expectOne(this.stmt.complete.run(path, cid).changes, cid)
  }

  /** Returns whether there was a record to remove. */
  removeContent (cid: string): boolean {
    return Number(this.stmt.remove.run(cid).changes) > 0
  }

  /** Closes the connection (checkpointing the WAL). Safe to call twice. */
  close (): void {
    if (this.db.isOpen) this.db.close()
  }

  private expectOne (changes: number | bigint, cid: string): void {
    if (Number(changes) === 0) throw new ShoalError(ErrorCode.NotFound, `no content ${cid} in the database`)
  }
}

/** Opens, configures, checks and migrates; closes again and rethrows on any failure. */
function openChecked (path: string): DatabaseSync {
  if (!hasSqliteHeader(path)) throw new CorruptFile(`${path} is not a database`)
  const { DatabaseSync } = loadSqlite()
  const db = new DatabaseSync(path)
  try {
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`)
    const check = db.prepare('PRAGMA quick_check').all()
    if (check.length !== 1 || check[0]?.quick_check !== 'ok') throw new CorruptFile(`${path} failed quick_check`)
    db.exec('PRAGMA journal_mode = WAL')
    // With WAL, NORMAL is still crash-safe (a power cut may lose the last commits, never corrupt).
    db.exec('PRAGMA synchronous = NORMAL')
    migrate(db, path)
    return db
  } catch (err) {
    db.close()
    throw err
  }
}

/**
 * SQLite treats a file shorter than one header as an empty database and would silently
 * overwrite it, so check the magic ourselves. Missing or empty files are fine (new database).
 */
function hasSqliteHeader (path: string): boolean {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true
    throw err
  }
  try {
    const head = Buffer.alloc(SQLITE_MAGIC.length)
    const n = readSync(fd, head, 0, head.length, 0)
    return n === 0 || (n === head.length && head.equals(SQLITE_MAGIC))
  } finally {
    closeSync(fd)
  }
}

function isCorruption (err: unknown): boolean {
  if (err instanceof CorruptFile) return true
  const errcode = (err as { errcode?: unknown } | null)?.errcode
  if (typeof errcode !== 'number') return false
  const primary = errcode & 0xff
  return primary === SQLITE_CORRUPT || primary === SQLITE_NOTADB
}

/** Renames the damaged file (and its WAL/SHM, keeping them paired) out of the way. */
function moveAside (path: string): void {
  let aside = `${path}.corrupt-${Date.now()}`
  for (let n = 1; existsSync(aside); n++) aside = `${path}.corrupt-${Date.now()}-${n}`
  renameSync(path, aside)
  for (const suffix of SIDECAR_SUFFIXES) {
    if (existsSync(path + suffix)) renameSync(path + suffix, aside + suffix)
  }
}

function asShoalError (err: unknown, path: string): ShoalError {
  if (err instanceof ShoalError) return err
  const reason = err instanceof Error ? err.message : String(err)
  return new ShoalError(ErrorCode.Database, `cannot open database ${path}: ${reason}`, { cause: err })
}

function toRecord (row: Record<string, SQLOutputValue>): ContentRecord {
  const rec: ContentRecord = {
    cid: text(row, 'cid'),
    role: text(row, 'role') as ContentRole, // the CHECK constraint guarantees the value
    signed: blob(row, 'signed'),
    hashes: blob(row, 'hashes'),
    path: text(row, 'path'),
    complete: Number(row.complete) === 1,
    addedAt: Number(row.added_at)
  }
  if (row.partial_path !== null && row.partial_path !== undefined) rec.partialPath = text(row, 'partial_path')
  if (row.bitfield !== null && row.bitfield !== undefined) rec.bitfield = blob(row, 'bitfield')
  return rec
}

function text (row: Record<string, SQLOutputValue>, column: string): string {
  const value = row[column]
  if (typeof value !== 'string') throw new ShoalError(ErrorCode.Database, `column ${column} is not text`)
  return value
}

function blob (row: Record<string, SQLOutputValue>, column: string): Uint8Array {
  const value = row[column]
  if (!(value instanceof Uint8Array)) throw new ShoalError(ErrorCode.Database, `column ${column} is not a blob`)
  return value
}
