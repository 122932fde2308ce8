import { test, describe, before, after } from 'node:test'
import { strict as assert } from 'node:assert'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { randomBytes } from 'node:crypto'
import { ShoalDatabase, type ContentRecord } from '../../src/store/database.js'
import { loadSqlite } from '../../src/store/sqlite.js'
import { MIGRATIONS } from '../../src/store/schema.js'
import { ErrorCode, ShoalError } from '../../src/errors.js'

const run = promisify(execFile)

/** Plain Uint8Array (not Buffer): what the database gives back, so deepEqual compares like with like. */
const bytes = (length: number): Uint8Array => new Uint8Array(randomBytes(length))

function share (cid: string, addedAt = 1_700_000_000_000): ContentRecord {
  return {
    cid,
    role: 'share',
    signed: bytes(200),
    hashes: bytes(32 * 5),
    path: '/data/shared/' + cid,
    complete: true,
    addedAt
  }
}

function download (cid: string, addedAt = 1_700_000_000_500): ContentRecord {
  return {
    cid,
    role: 'download',
    signed: bytes(180),
    hashes: bytes(32 * 9),
    path: '/out/movie',
    partialPath: '/out/.movie.shoal-partial',
    complete: false,
    bitfield: Uint8Array.of(0b1010_0000, 0x80, 0, 0xff),
    addedAt
  }
}

describe('ShoalDatabase', () => {
  let dir: string
  let n = 0
  const dbPath = (): string => join(dir, `case-${++n}`, 'shoal.db')

  before(async () => { dir = await mkdtemp(join(tmpdir(), 'shoal-db-')) })
  after(async () => { await rm(dir, { recursive: true, force: true }) })

  test('put/get/list round trip keeps binary fields byte-equal', () => {
    const db = ShoalDatabase.open(dbPath())
    try {
      assert.equal(db.recovered, false)
      const s = share('bafyshare')
      const d = download('bafydownload')
      db.putContent(s)
      db.putContent(d)
      assert.deepEqual(db.getContent('bafyshare'), s)
      assert.deepEqual(db.getContent('bafydownload'), d)
      assert.equal(db.getContent('bafynothing'), undefined)
      assert.deepEqual(db.listContent(), [s, d])
      assert.deepEqual(db.listContent('share'), [s])
      assert.deepEqual(db.listContent('download'), [d])
    } finally {
      db.close()
    }
  })

  test('empty blobs and absent optional fields round trip', () => {
    const db = ShoalDatabase.open(dbPath())
    try {
      const rec: ContentRecord = { ...share('bafyempty'), signed: new Uint8Array(0), hashes: new Uint8Array(0) }
      db.putContent(rec)
      const got = db.getContent('bafyempty')
      assert.deepEqual(got, rec)
      assert.ok(got !== undefined && !('partialPath' in got) && !('bitfield' in got))
    } finally {
      db.close()
    }
  })

  test('saveProgress and markComplete', () => {
    const db = ShoalDatabase.open(dbPath())
    try {
      const d = download('bafyd')
      db.putContent(d)
      const bits = Uint8Array.of(0xff, 0xff, 0xf0)
      db.saveProgress('bafyd', bits)
      assert.deepEqual(db.getContent('bafyd'), { ...d, bitfield: bits })

      db.markComplete('bafyd', '/out/movie-final')
      const done = db.getContent('bafyd')
      const { partialPath: _p, bitfield: _b, ...rest } = d
      assert.deepEqual(done, { ...rest, complete: true, path: '/out/movie-final' })

      assert.throws(() => { db.saveProgress('bafymissing', bits) }, { code: ErrorCode.NotFound })
      assert.throws(() => { db.markComplete('bafymissing', '/x') }, { code: ErrorCode.NotFound })
    } finally {
      db.close()
    }
  })

  test('upsert replaces every field, and removeContent removes', () => {
    const db = ShoalDatabase.open(dbPath())
    try {
      db.putContent(download('bafyx'))
      const replaced = share('bafyx', 42)
      db.putContent(replaced)
      assert.deepEqual(db.getContent('bafyx'), replaced)
      assert.equal(db.listContent().length, 1)
      assert.equal(db.removeContent('bafyx'), true)
      assert.equal(db.removeContent('bafyx'), false)
      assert.equal(db.getContent('bafyx'), undefined)
    } finally {
      db.close()
    }
  })

  test('rejects hashes that are not whole 32-byte hashes', () => {
    const db = ShoalDatabase.open(dbPath())
    try {
      assert.throws(() => { db.putContent({ ...share('bafyh'), hashes: new Uint8Array(33) }) }, { code: ErrorCode.BadArgument })
    } finally {
      db.close()
    }
  })

  test('reopening after close keeps the data; close twice is harmless', () => {
    const path = dbPath()
    const s = share('bafykeep')
    const first = ShoalDatabase.open(path)
    first.putContent(s)
    first.close()
    first.close()
    const second = ShoalDatabase.open(path)
    try {
      assert.equal(second.recovered, false)
      assert.deepEqual(second.getContent('bafykeep'), s)
    } finally {
      second.close()
    }
  })

  for (const [label, garbage] of [
    ['a garbage file', Buffer.from('this is not a database at all\n'.repeat(300))],
    ['a garbage file shorter than a header', Buffer.from('x')]
  ] as const) {
    test(`${label} is moved aside and replaced by a fresh database`, async () => {
      const path = dbPath()
      const db0 = ShoalDatabase.open(path) // creates the folder
      db0.close()
      await rm(path)
      await writeFile(path, garbage)

      const db = ShoalDatabase.open(path)
      try {
        assert.equal(db.recovered, true)
        assert.deepEqual(db.listContent(), [])
        db.putContent(share('bafyfresh'))
      } finally {
        db.close()
      }
      const folder = join(path, '..')
      const aside = (await readdir(folder)).filter(name => /^shoal\.db\.corrupt-\d+$/.test(name))
      assert.equal(aside.length, 1)
      assert.deepEqual(await readFile(join(folder, aside[0]!)), garbage)

      const again = ShoalDatabase.open(path)
      try {
        assert.equal(again.recovered, false)
        assert.equal(again.listContent().length, 1)
      } finally {
        again.close()
      }
    })
  }

  test('records the schema version and refuses a database from a newer Shoal', () => {
    const path = dbPath()
    ShoalDatabase.open(path).close()
    const { DatabaseSync } = loadSqlite()
    const raw = new DatabaseSync(path)
    assert.equal(raw.prepare('PRAGMA user_version').get()?.user_version, MIGRATIONS.length)
    assert.equal(raw.prepare('PRAGMA journal_mode').get()?.journal_mode, 'wal')
    raw.exec(`PRAGMA user_version = ${MIGRATIONS.length + 1}`)
    raw.close()
    assert.throws(() => ShoalDatabase.open(path), (err: unknown) => err instanceof ShoalError && err.code === ErrorCode.Database)
    assert.equal(existsSync(path), true, 'a newer database must not be moved aside')
  })

  test('only the node:sqlite ExperimentalWarning is silenced', async () => {
    const moduleUrl = new URL('../../src/store/database.js', import.meta.url).href
    const script = `
      const { ShoalDatabase } = await import(${JSON.stringify(moduleUrl)})
      const db = ShoalDatabase.open(${JSON.stringify(dbPath())})
      db.close()
      process.emitWarning('canary feature', 'ExperimentalWarning')
    `
    const { stderr } = await run(process.execPath, ['--input-type=module', '-e', script])
    assert.doesNotMatch(stderr, /SQLite/)
    assert.match(stderr, /ExperimentalWarning: canary feature/)
  })
})
