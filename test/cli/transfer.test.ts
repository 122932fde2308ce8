/**
 * `shoal share` and `shoal get` as separate processes, talking over loopback: the --json events
 * scripts rely on, the files they write, and how they end on SIGINT/SIGTERM.
 */
import { describe, test, before, after } from 'node:test'
import { strict as assert } from 'node:assert'
import { randomBytes } from 'node:crypto'
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import {
  Harness, assertJsonFailure, assertLoopbackAddrs, assertSuccess, jsonEvents, sha256File, show, STACK_LINE,
  type ShoalEvent, type ShoalProcess
} from './harness.js'

/** Enough for a few hundred pieces, small enough for 2 cores. */
const FILE_SIZE = 3 * 1024 * 1024 + 12_345
/** `get --timeout`: how long without any delivery before giving up (a bound, not an expectation). */
const GET_TIMEOUT = ['--timeout', '30']

describe('shoal share → shoal get', () => {
  const h = new Harness()
  before(async () => { await h.setup() })
  after(async () => { await h.cleanup() })

  /** Starts `shoal share <path> --json` and returns the process and its `sharing` event, checked. */
  async function startSharing (path: string, extra: string[] = []): Promise<{ sharer: ShoalProcess, sharing: ShoalEvent }> {
    const sharer = h.start(['share', path, '--json', ...extra, ...h.net(h.dataDir('sharer'))])
    const sharing = await sharer.waitForEvent('sharing')
    assert.equal(typeof sharing.cid, 'string')
    assert.equal(typeof sharing.peerId, 'string')
    assert.equal(typeof sharing.link, 'string')
    assert.ok((sharing.link as string).startsWith(`shoal://${sharing.cid as string}`), `link ${String(sharing.link)} does not name ${String(sharing.cid)}`)
    assertLoopbackAddrs(sharing.addrs, sharing.peerId as string)
    return { sharer, sharing }
  }

  /** SIGINT/SIGTERM ends a serving process with exit 0 and nothing on stderr that looks like a crash. */
  async function stopCleanly (proc: ShoalProcess, signal: NodeJS.Signals): Promise<void> {
    assert.ok(proc.running, `expected the process to still be serving:\n${proc.describe()}`)
    proc.signal(signal)
    const exit = await proc.waitExit()
    assert.equal(exit.code, 0, `expected exit 0 after ${signal}:\n${show(exit)}`)
    assert.doesNotMatch(exit.stderr, STACK_LINE)
  }

  test('round trip with --json on both sides; SIGINT ends the sharer with exit 0', { timeout: 90_000 }, async () => {
    const file = await h.randomFile('payload.bin', FILE_SIZE)
    const { sharer, sharing } = await startSharing(file.path)
    const output = await h.dir('out')

    const got = await h.run(['get', sharing.link as string, '-o', output, '--json', ...GET_TIMEOUT, ...h.net(h.dataDir('getter'))])
    assertSuccess(got)
    const events = jsonEvents(got)
    const done = events.at(-1) as ShoalEvent
    assert.equal(done.event, 'done', `last event is not 'done':\n${show(got)}`)
    const earlier = events.slice(0, -1)
    assert.ok(earlier.length > 0, 'expected progress events before done')
    for (const e of earlier) assert.equal(e.event, 'progress', `unexpected event before done: ${JSON.stringify(e)}`)

    assert.equal(done.cid, sharing.cid)
    assert.equal(done.path, join(output, basename(file.path)))
    assert.equal((await stat(done.path as string)).size, FILE_SIZE)
    assert.equal(await sha256File(done.path as string), file.sha256, 'downloaded bytes differ from the shared file')
    assert.equal(done.bytes, FILE_SIZE)
    // A fresh download gets every byte from the network exactly once, all of it from the one sharer.
    assert.equal(done.received, FILE_SIZE)
    assert.deepEqual(done.peers, { [sharing.peerId as string]: FILE_SIZE })

    await stopCleanly(sharer, 'SIGINT')
  })

  test('share --secret: the link carries #k=; get with it writes the plaintext, without it NO_KEY, with a wrong key BAD_KEY (exit 1, nothing written)', { timeout: 90_000 }, async () => {
    const file = await h.randomFile('secret-diary.bin', FILE_SIZE)
    const { sharer, sharing } = await startSharing(file.path, ['--secret'])
    const link = sharing.link as string
    assert.match(link, /#k=[a-z2-7]{52}$/)
    assert.equal(sharing.name, 'secret-diary.bin')
    const empty = await h.dir('out-secret-refused')
    const noKey = await h.run(['get', link.split('#')[0] as string, '-o', empty, '--json', ...GET_TIMEOUT, ...h.net(h.dataDir('getter-nokey'))])
    assert.equal(noKey.code, 1)
    assertJsonFailure(noKey, ['NO_KEY'])
    const wrong = link.replace(/#k=.*$/, '#k=' + 'a'.repeat(52))
    const badKey = await h.run(['get', wrong, '-o', empty, '--json', ...GET_TIMEOUT, ...h.net(h.dataDir('getter-badkey'))])
    assert.equal(badKey.code, 1)
    assertJsonFailure(badKey, ['BAD_KEY'])
    assert.deepEqual((await readdir(empty)).filter(name => !name.startsWith('.shoal-probe')), [])

    const output = await h.dir('out-secret')
    const got = await h.run(['get', link, '-o', output, '--json', ...GET_TIMEOUT, ...h.net(h.dataDir('getter-secret'))])
    assertSuccess(got)
    const done = jsonEvents(got).at(-1) as ShoalEvent
    assert.equal(done.event, 'done', show(got))
    assert.equal(done.path, join(output, 'secret-diary.bin'))
    assert.equal(await sha256File(done.path as string), file.sha256)
    await stopCleanly(sharer, 'SIGTERM')
  })

  test('share --piece-size 1M: another content ID for the same bytes, and get delivers them', { timeout: 90_000 }, async () => {
    const file = await h.randomFile('big-pieces.bin', FILE_SIZE)
    const { sharer: plain, sharing: plainSharing } = await startSharing(file.path)
    await stopCleanly(plain, 'SIGTERM')
    const { sharer, sharing } = await startSharing(file.path, ['--piece-size', '1M'])
    assert.notEqual(sharing.cid, plainSharing.cid, 'the piece size is part of the manifest, so of the content ID')
    const got = await h.run(['get', sharing.link as string, '-o', await h.dir('out-1m'), '--json', ...GET_TIMEOUT, ...h.net(h.dataDir('getter-1m'))])
    assertSuccess(got)
    const done = jsonEvents(got).at(-1) as ShoalEvent
    assert.equal(done.event, 'done', show(got))
    assert.equal(await sha256File(done.path as string), file.sha256)
    await stopCleanly(sharer, 'SIGTERM')
  })

  test('share <file> <folder> --json: one sharing line per path; get (human mode) writes the folder and prints a summary', { timeout: 90_000 }, async () => {
    const file = await h.randomFile('notes.txt', 200_000)
    const folder = join(await h.dir('src'), 'album')
    await mkdir(join(folder, 'disc 2'), { recursive: true })
    const tracks: Record<string, Buffer> = { 'one.bin': randomBytes(150_000), [join('disc 2', 'two.bin')]: randomBytes(70_000), 'empty.txt': Buffer.alloc(0) }
    for (const [name, bytes] of Object.entries(tracks)) await writeFile(join(folder, name), bytes)

    const sharer = h.start(['share', file.path, folder, '--json', ...h.net(h.dataDir('sharer'))])
    await sharer.waitForEvent('sharing', e => e.name === 'album')
    const sharings = sharer.events()
    assert.deepEqual(sharings.map(e => [e.event, e.name]), [['sharing', 'notes.txt'], ['sharing', 'album']], sharer.describe())
    const [first, second] = sharings as [ShoalEvent, ShoalEvent]
    assert.notEqual(first.cid, second.cid)
    assert.equal(first.peerId, second.peerId)

    const output = await h.dir('out')
    const got = await h.run(['get', second.link as string, '-o', output, ...GET_TIMEOUT, ...h.net(h.dataDir('getter'))])
    assertSuccess(got)
    assert.equal(got.stderr, '', `stderr of a successful, non-TTY get:\n${show(got)}`)
    assert.match(got.stdout, /album/, `summary does not name the download:\n${show(got)}`)
    for (const [name, bytes] of Object.entries(tracks)) {
      assert.deepEqual(await readFile(join(output, 'album', name)), bytes, `${name} differs`)
    }
    await stopCleanly(sharer, 'SIGINT')
  })

  test('an empty folder: share prints a link, get writes an empty folder (exit 0, done)', { timeout: 90_000 }, async () => {
    const folder = join(await h.dir('src-empty'), 'nothing-yet')
    await mkdir(folder)
    const { sharer, sharing } = await startSharing(folder)
    const output = await h.dir('out-empty')
    const got = await h.run(['get', sharing.link as string, '-o', output, '--json', ...GET_TIMEOUT, ...h.net(h.dataDir('getter-empty'))])
    assertSuccess(got)
    const done = jsonEvents(got).at(-1) as ShoalEvent
    assert.equal(done.event, 'done', show(got))
    assert.equal(done.path, join(output, 'nothing-yet'))
    assert.ok((await stat(done.path as string)).isDirectory(), `${String(done.path)} is not a folder`)
    assert.deepEqual(await readdir(done.path as string), [])
    assert.deepEqual((await readdir(output)).filter(name => !name.startsWith('.shoal-probe')), ['nothing-yet'], 'nothing but the folder, no partial left')
    await stopCleanly(sharer, 'SIGTERM')
  })

  test('SIGINT interrupts get: an ABORTED error, nothing at the final name; running it again resumes', { timeout: 90_000 }, async () => {
    const size = 2 * 1024 * 1024
    const file = await h.randomFile('slow.bin', size)
    // A slow sharer, so the download is still running when it is interrupted.
    const sharer = h.start(['share', file.path, '--json', '--upload-limit', '512k', ...h.net(h.dataDir('sharer'))])
    const sharing = await sharer.waitForEvent('sharing')
    const output = await h.dir('out')
    const command = ['get', sharing.link as string, '-o', output, '--json', ...GET_TIMEOUT, ...h.net(h.dataDir('getter'))]

    const getter = h.start(command)
    await getter.waitForEvent('progress', e => e.phase === 'downloading' && (e.bytes as number) > 0)
    getter.signal('SIGINT')
    const interrupted = await getter.waitExit()
    assertJsonFailure(interrupted, ['ABORTED'])
    await assert.rejects(stat(join(output, 'slow.bin')), { code: 'ENOENT' }, 'an unverified download is at the final name')

    const resumed = await h.run(command)
    assertSuccess(resumed)
    const done = jsonEvents(resumed).at(-1) as ShoalEvent
    assert.equal(done.event, 'done', show(resumed))
    assert.equal(done.bytes, size)
    assert.ok((done.received as number) < size, `the second run downloaded everything again:\n${show(resumed)}`)
    assert.equal(await sha256File(done.path as string), file.sha256)
    await stopCleanly(sharer, 'SIGTERM')
  })

  test('a signal sent the moment the ready line appears still ends in exit 0 (share: sharing; get --seed: done)', { timeout: 90_000 }, async () => {
    const file = await h.randomFile('quick.bin', 100_000)
    const { sharer, sharing } = await startSharing(file.path)
    // A script that waits for the line and then stops the process must never find it killed by
    // the signal instead: the handler has to be in place before the line is printed.
    for (let i = 0; i < 3; i++) {
      const quick = h.start(['share', file.path, '--json', ...h.net(h.dataDir('quick-sharer'))])
      await quick.waitForEvent('sharing')
      quick.signal(i % 2 === 0 ? 'SIGINT' : 'SIGTERM')
      const exit = await quick.waitExit()
      assert.equal(exit.code, 0, show(exit))
    }
    for (let i = 0; i < 3; i++) {
      const seeder = h.start(['get', sharing.link as string, '--seed', '-o', await h.dir('quick-out'), '--json', ...GET_TIMEOUT, ...h.net(h.dataDir('quick-seeder'))])
      await seeder.waitForEvent('done')
      seeder.signal(i % 2 === 0 ? 'SIGTERM' : 'SIGINT')
      const exit = await seeder.waitExit()
      assert.equal(exit.code, 0, show(exit))
    }
    await stopCleanly(sharer, 'SIGINT')
  })

  test('get --seed --json: done, then seeding; a third peer downloads from the seeder alone; SIGTERM → exit 0', { timeout: 90_000 }, async () => {
    const file = await h.randomFile('seeded.bin', FILE_SIZE)
    const { sharer, sharing } = await startSharing(file.path)

    const seeder = h.start(['get', sharing.link as string, '--seed', '-o', await h.dir('seeder-out'), '--json', ...GET_TIMEOUT, ...h.net(h.dataDir('seeder'))])
    const seeding = await seeder.waitForEvent('seeding')
    const events = seeder.events()
    const doneAt = events.findIndex(e => e.event === 'done')
    assert.ok(doneAt !== -1 && events[doneAt + 1]?.event === 'seeding', `expected 'done' right before 'seeding':\n${seeder.describe()}`)
    const done = events[doneAt] as ShoalEvent
    assert.equal(done.cid, sharing.cid)
    assert.equal(await sha256File(done.path as string), file.sha256)
    assert.equal(typeof seeding.peerId, 'string')
    assert.notEqual(seeding.peerId, sharing.peerId)
    const seederAddrs = assertLoopbackAddrs(seeding.addrs, seeding.peerId as string)

    // The original sharer leaves; only the seeder has the content now.
    await stopCleanly(sharer, 'SIGINT')

    // A bare CID plus the seeder as bootstrap peer: nothing in the request points at the old sharer.
    const output = await h.dir('third-out')
    const third = await h.run(['get', sharing.cid as string, '--bootstrap', seederAddrs[0] as string, '-o', output, '--json', ...GET_TIMEOUT, ...h.net(h.dataDir('third'))])
    assertSuccess(third)
    const thirdDone = jsonEvents(third).at(-1) as ShoalEvent
    assert.equal(thirdDone.event, 'done', show(third))
    assert.equal(thirdDone.bytes, FILE_SIZE)
    assert.equal(await sha256File(thirdDone.path as string), file.sha256)
    assert.deepEqual(Object.keys(thirdDone.peers as object), [seeding.peerId], `expected every byte from the seeder:\n${show(third)}`)

    await stopCleanly(seeder, 'SIGTERM')
    const last = seeder.events().at(-1)
    assert.equal(last?.event, 'seeding', `nothing should follow 'seeding' on a clean stop:\n${seeder.describe()}`)
  })
})
