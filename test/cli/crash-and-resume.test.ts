/**
 * Crashes: `kill -9` of a downloader at random moments, then the same `get` again. It resumes,
 * and re-fetches no piece it had verified and written (the journal records each one as it lands):
 * the final run's `received` is what was missing on disk, within a few pieces that were being
 * written at the kill. The output name never holds anything before the end. `kill -9` of a
 * seeder (and of a downloader that seeds) leaves databases a restarted node uses as they were; a
 * half-written database is detected, moved aside and rebuilt; a garbage journal is not trusted.
 *
 * Real `shoal` processes (test/cli/harness.ts), SIGKILL, loopback only. Kill times are random; the
 * seed is printed on failure.
 */
import { describe, test, before, after } from 'node:test'
import { strict as assert } from 'node:assert'
import { createHash } from 'node:crypto'
import { appendFile, open, readdir, readFile, stat, truncate } from 'node:fs/promises'
import { join } from 'node:path'
import { choosePieceSize } from '../../src/content/piece-size.js'
import { DATABASE_FILE, JOURNAL_DIR } from '../../src/node/node.js'
import { KEY_FILE } from '../../src/net/identity.js'
import { Harness, assertSuccess, jsonEvents, sha256File, show, type ShoalEvent, type ShoalProcess } from './harness.js'

const FILE_SIZE = 4 * 1024 * 1024 + 4321
/** The seeder is throttled so a download lasts a few seconds: there is a middle to kill it in. */
const SEEDER_LIMIT = '512k'
/** Downloads killed before the one allowed to finish. */
const KILLS = 3
/**
 * Kill moments are drawn from [0, this) after the process starts (start-up included: "any point").
 * KILLS of them take less than the whole transfer at SEEDER_LIMIT, so something is always left.
 */
const KILL_WINDOW_MS = 2_500
/**
 * Pieces a resumed download may fetch again although they were on disk: only those whose write
 * had completed but whose journal entry had not reached the kernel at the kill (a few ms).
 */
const MAX_REFETCHED_PIECES = 8
const GET_ARGS = ['--timeout', '30', '--json']

interface Random { next: () => number, seed: number }
function random (seed = Math.floor(Math.random() * 2 ** 31)): Random {
  let state = seed
  return { seed, next: () => { state = (state * 1103515245 + 12345) % 2 ** 31; return state / 2 ** 31 } }
}

/** Bytes of the pieces of `partial` that equal the source's (what a resume may keep). */
async function verifiedBytesOnDisk (partial: string, source: Buffer): Promise<number> {
  const pieceSize = choosePieceSize(source.byteLength)
  let handle
  try {
    handle = await open(partial, 'r')
  } catch {
    return 0
  }
  try {
    let good = 0
    for (let offset = 0; offset < source.byteLength; offset += pieceSize) {
      const length = Math.min(pieceSize, source.byteLength - offset)
      const piece = Buffer.alloc(length)
      await handle.read(piece, 0, length, offset)
      if (piece.equals(source.subarray(offset, offset + length))) good += length
    }
    return good
  } finally {
    await handle.close()
  }
}

describe('crashes and resume', () => {
  const h = new Harness()
  before(async () => { await h.setup() })
  after(async () => { await h.cleanup() })

  async function startSeeder (path: string, dataDir: string): Promise<{ seeder: ShoalProcess, sharing: ShoalEvent }> {
    const seeder = h.start(['share', path, '--json', '--upload-limit', SEEDER_LIMIT, ...h.net(dataDir)])
    return { seeder, sharing: await seeder.waitForEvent('sharing') }
  }

  test(`kill -9 a downloader ${KILLS} times at random moments: each resume re-fetches only what was missing`, { timeout: 180_000 }, async () => {
    const rng = random()
    const file = await h.randomFile('dataset.bin', FILE_SIZE)
    const source = await readFile(file.path)
    const { sharing } = await startSeeder(file.path, h.dataDir('seeder'))
    const output = await h.dir('out')
    const final = join(output, 'dataset.bin')
    const partial = join(output, '.dataset.bin.shoal-partial')
    const dataDir = h.dataDir('getter')
    const context = (): string => `(random seed ${rng.seed})`

    for (let kill = 1; kill <= KILLS; kill++) {
      const getter = h.start(['get', sharing.link as string, '-o', output, ...GET_ARGS, ...h.net(dataDir)])
      await new Promise(resolve => setTimeout(resolve, rng.next() * KILL_WINDOW_MS))
      await getter.kill()
      if (getter.exit?.signal !== 'SIGKILL') {
        // It finished before the kill (a very fast machine): nothing left to resume.
        assertSuccess({ ...(getter.exit as { code: number | null, signal: NodeJS.Signals | null }), stdout: getter.stdout, stderr: getter.stderr })
        assert.equal(await sha256File(final), file.sha256)
        return
      }
      await assert.rejects(stat(final), `kill ${kill}: ${final} exists though the download was killed ${context()}`)
    }

    const onDisk = await verifiedBytesOnDisk(partial, source)
    // The journal of the last run gets garbage appended: claims are checked, never trusted.
    const journals = join(dataDir, JOURNAL_DIR)
    for (const name of await readdir(journals).catch(() => [])) await appendFile(join(journals, name), Buffer.from([0xff, 0xff, 0xff, 0x00, 0x00, 0x01, 0x02]))

    const last = await h.run(['get', sharing.link as string, '-o', output, ...GET_ARGS, ...h.net(dataDir)], 90_000)
    assertSuccess(last)
    const done = jsonEvents(last).at(-1) as ShoalEvent
    assert.equal(done.event, 'done', show(last))
    assert.equal(await sha256File(final), file.sha256, `the resumed download is not the original ${context()}`)
    const received = done.received as number
    if (process.env.SHOAL_TEST_VERBOSE !== undefined) console.log(`resume: ${onDisk} bytes verified on disk before the last run, received ${received} of ${FILE_SIZE}`)
    const missing = FILE_SIZE - onDisk
    const pieceSize = choosePieceSize(FILE_SIZE)
    assert.ok(received >= missing, `received ${received} < ${missing} missing: pieces were not fetched? ${context()}`)
    assert.ok(received <= missing + MAX_REFETCHED_PIECES * pieceSize,
      `received ${received} bytes, but only ${missing} were missing on disk: ${Math.round((received - missing) / pieceSize)} pieces re-fetched ${context()}`)
    await assert.rejects(stat(partial), 'the partial file is still there after the download')
    assert.deepEqual(await readdir(journals).catch(() => []), [], 'the journal is still there after the download')
  })

  test('kill -9 of a seeder and of a seeding downloader: both databases are usable after a restart', { timeout: 180_000 }, async () => {
    const file = await h.randomFile('album.flac', FILE_SIZE)
    const seederDir = h.dataDir('seeder')
    const { seeder, sharing } = await startSeeder(file.path, seederDir)
    const output = await h.dir('out')
    const getterDir = h.dataDir('getter')
    const getter = h.start(['get', sharing.link as string, '-o', output, '--seed', ...GET_ARGS, ...h.net(getterDir)])
    await getter.waitForEvent('progress', e => (e.pieces as number) > 0)
    await Promise.all([seeder.kill(), getter.kill()])
    assert.equal(seeder.exit?.signal, 'SIGKILL', seeder.describe())

    for (const dir of [seederDir, getterDir]) {
      assert.deepEqual((await readdir(dir)).filter(n => n.includes('.corrupt-')), [], `${dir}: a database was moved aside`)
    }
    // The seeder restarted: its share is still in its database and served again.
    const ls = await h.run(['ls', '--json', ...h.net(seederDir)])
    assertSuccess(ls)
    assert.ok(ls.stdout.includes(sharing.cid as string), `the share is gone from the seeder's database:\n${show(ls)}`)
    const { seeder: again, sharing: serving } = await startSeeder(file.path, seederDir) // a new port: a new link
    assert.equal(serving.cid, sharing.cid)
    const resumed = await h.run(['get', serving.link as string, '-o', output, ...GET_ARGS, ...h.net(getterDir)], 90_000)
    assertSuccess(resumed)
    assert.equal(await sha256File(join(output, 'album.flac')), file.sha256)
    assert.ok(((jsonEvents(resumed).at(-1) as ShoalEvent).received as number) < FILE_SIZE, 'the download did not resume: it fetched everything again')
    for (const dir of [seederDir, getterDir]) assert.doesNotMatch(resumed.stderr + again.stderr, /damaged/, dir)
    again.signal('SIGINT')
    await again.waitExit()
  })

  test('a half-written database and key file are detected, moved aside and rebuilt, not trusted', { timeout: 90_000 }, async () => {
    const file = await h.randomFile('notes.txt', 100_000)
    const dataDir = h.dataDir('node')
    const { seeder, sharing } = await startSeeder(file.path, dataDir)
    seeder.signal('SIGINT')
    assert.equal((await seeder.waitExit()).code, 0)
    const db = join(dataDir, DATABASE_FILE)
    await truncate(db, Math.floor((await stat(db)).size / 2))
    const key = join(dataDir, KEY_FILE)
    await truncate(key, Math.floor((await stat(key)).size / 2))

    // Any command that starts the node notices (get prints warnings on stderr; it then times out).
    const after = await h.run(['get', sharing.cid as string, '--timeout', '1', ...h.net(dataDir)])
    assert.match(after.stderr, /database was damaged; it was moved aside/, show(after))
    assert.match(after.stderr, /node key .* was damaged; it was moved to .* and a new identity/, show(after))
    for (const name of [DATABASE_FILE, KEY_FILE]) {
      assert.ok((await readdir(dataDir)).some(n => n.startsWith(`${name}.corrupt-`)), `the damaged ${name} was not kept aside`)
    }
    // A fresh database and identity that work: share again, same content ID, another publisher.
    const { seeder: again, sharing: reshared } = await startSeeder(file.path, dataDir)
    assert.equal(reshared.cid, sharing.cid)
    assert.notEqual(reshared.peerId, sharing.peerId)
    again.signal('SIGINT')
    await again.waitExit()
    assert.equal(createHash('sha256').update(await readFile(file.path)).digest('hex'), file.sha256)
  })
})
