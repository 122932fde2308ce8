/**
 * The database schema as an ordered list of migrations. `PRAGMA user_version` records how many
 * have been applied; opening a database runs the missing ones in one transaction.
 * To change the schema, append a migration — never edit one that has shipped.
 */
import type { DatabaseSync } from 'node:sqlite'
import { ErrorCode, ShoalError } from '../errors.js'

export type Migration = (db: DatabaseSync) => void

export const MIGRATIONS: readonly Migration[] = [
  // 1: content the node shares or downloads.
  (db) => {
    db.exec(`
      CREATE TABLE content (
        cid          TEXT PRIMARY KEY,
        role         TEXT NOT NULL CHECK (role IN ('share', 'download')),
        signed       BLOB NOT NULL,
        hashes       BLOB NOT NULL,
        path         TEXT NOT NULL,
        partial_path TEXT,
        complete     INTEGER NOT NULL CHECK (complete IN (0, 1)),
        bitfield     BLOB,
        added_at     INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX content_role ON content (role);
    `)
  }
]

/** Brings the schema up to date. Throws if the file was written by a newer Shoal. */
export function migrate (db: DatabaseSync, file: string): void {
  const current = userVersion(db)
  if (current > MIGRATIONS.length) {
    throw new ShoalError(ErrorCode.Database, `database ${file} has schema version ${current}, newer than this Shoal supports (${MIGRATIONS.length})`)
  }
  if (current === MIGRATIONS.length) return
  // IMMEDIATE takes the write lock up front, so two processes cannot both migrate.
  db.exec('BEGIN IMMEDIATE')
  try {
    for (let version = userVersion(db); version < MIGRATIONS.length; version++) {
      MIGRATIONS[version]?.(db)
      // PRAGMA takes no bound parameters; the value is our own integer.
      db.exec(`PRAGMA user_version = ${version + 1}`)
    }
    db.exec('COMMIT')
  } catch (err) {
    db.exec('ROLLBACK')
    throw err
  }
}

function userVersion (db: DatabaseSync): number {
  const row = db.prepare('PRAGMA user_version').get()
  return Number(row?.user_version ?? 0)
}
