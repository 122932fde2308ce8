/**
 * `shoal daemon` and the commands that use it: with a daemon running on a data directory, `share`,
 * `get`, `ls`, `peers` and `status` go through it and print the same --json events as without one.
 */
import { describe, test, before, after } from 'node:test'
import { strict as assert } from 'node:assert'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import {
  Harness, assertJsonFailure, assertSuccess, jsonEvents, sha256File, show, unknownCid, type ShoalEvent, type ShoalProcess
} from './harness.js'

/** The keys of the `sharing` and `done` events, as README.md documents them. */
const SHARING_KEYS = ['addrs', 'bytes', 'cid', 'event', 'files', 'kind', 'link', 'name', 'peerId', 'skipped']
const DONE_KEYS = ['bytes', 'cid', 'direct', 'durationMs', 'event', 'name', 'path', 'peers', 'publisher', 'received', 'relayed']
const PROGRESS_KEYS = ['bytes', 'cid', 'event', 'peers', 'phase', 'pieces', 'rate', 'received', 'total', 'totalPieces']

describe('shoal daemon', () => {
  const h = new Harness()
  let dataDir = ''
  let daemon: ShoalProcess
  let api: ShoalEvent
  before(async () => {
    await h.setup()
    dataDir = h.dataDir('daemon')
  })
  after(async () => { await h.cleanup() })

  test('without a daemon: dashboard and peers fail with NO_DAEMON, status says so', { timeout: 60_000 }, async () => {
    const [dashboard, peers, status] = await Promise.all([
      h.run(['dashboard', '--json', '--data-dir', dataDir]),
      h.run(['peers', '--json', '--data-dir', dataDir]),
      h.run(['status', '--json', '--data-dir', dataDir])
    ])
    assertJsonFailure(dashboard, ['NO_DAEMON'])
    assertJsonFailure(peers, ['NO_DAEMON'])
    assertSuccess(status)
    assert.deepEqual(jsonEvents(status), [{ event: 'status', daemon: false, dataDir }])
    assertJsonFailure(await h.run(['daemon', '--log-level', 'loud', '--json', ...h.net(dataDir)]), ['BAD_ARGUMENT'])
  })

  test('starts, prints its dashboard URL with the token; `shoal dashboard` prints it again', { timeout: 60_000 }, async () => {
    daemon = h.start(['daemon', '--json', '--api', '127.0.0.1:0', '--log-level', 'debug', ...h.net(dataDir)])
    api = await daemon.waitForEvent('api')
    assert.match(api.url as string, /^http:\/\/127\.0\.0\.1:\d+\/#token=[0-9a-f]{48}$/)
    const again = await h.run(['dashboard', '--json', '--data-dir', dataDir])
    assertSuccess(again)
    assert.equal(jsonEvents(again)[0]?.url, api.url)
    // Logs are JSON lines on stderr when it is not a terminal.
    const line = daemon.stderr.split('\n').find(l => l.includes('daemon started'))
    assert.ok(line !== undefined, `no start log line:\n${daemon.describe()}`)
    const record = JSON.parse(line)
    assert.equal(record.level, 'info')
    assert.equal(record.peerId, api.peerId)
    // `id` asks the daemon; a second daemon on the same data directory is refused.
    const [id, second] = await Promise.all([
      h.run(['id', '--json', '--data-dir', dataDir]),
      h.run(['daemon', '--json', '--api', '127.0.0.1:0', ...h.net(dataDir)])
    ])
    assertSuccess(id)
    const idEvent = jsonEvents(id)[0]
    assert.ok(Number.isInteger(idEvent?.directPort) && (idEvent?.directPort as number) > 0, 'the daemon reports its direct port')
    assert.ok(['public', 'private', 'unknown'].includes(idEvent?.reachability as string), 'the daemon reports its reachability')
    assert.ok(Array.isArray(idEvent?.relays), 'the daemon reports its relays')
    assert.deepEqual(idEvent, { event: 'id', peerId: api.peerId, addrs: api.addrs, dataDir, directPort: idEvent?.directPort, reachability: idEvent?.reachability, relays: idEvent?.relays })
    assertJsonFailure(second, ['DATA_DIR_IN_USE'])
  })

  test('share and get go through the daemon with the same --json events', { timeout: 90_000 }, async () => {
    const mine = await h.randomFile('mine.bin', 500_000)
    const shared = await h.run(['share', mine.path, '--json', '--data-dir', dataDir])
    assertSuccess(shared)
    const sharing = jsonEvents(shared)
    assert.equal(sharing.length, 1, show(shared))
    assert.deepEqual(Object.keys(sharing[0] as object).sort(), SHARING_KEYS)
    assert.equal(sharing[0]?.peerId, api.peerId, 'the daemon shares it')

    // Someone else shares a file; the daemon fetches it for `shoal get`.
    const theirs = await h.randomFile('theirs.bin', 1_500_000)
    const sharer = h.start(['share', theirs.path, '--json', ...h.net(h.dataDir('sharer'))])
    const other = await sharer.waitForEvent('sharing')
    const output = await h.dir('out')
    const got = await h.run(['get', other.link as string, '-o', output, '--json', '--timeout', '30', '--data-dir', dataDir])
    assertSuccess(got)
    const events = jsonEvents(got)
    const done = events.at(-1) as ShoalEvent
    assert.equal(done.event, 'done', show(got))
    assert.deepEqual(Object.keys(done).sort(), DONE_KEYS)
    for (const e of events.slice(0, -1)) {
      assert.equal(e.event, 'progress', show(got))
      assert.deepEqual(Object.keys(e).sort(), PROGRESS_KEYS)
    }
    assert.equal(done.path, join(output, 'theirs.bin'))
    assert.equal(await sha256File(done.path as string), theirs.sha256)
    assert.deepEqual(done.peers, { [other.peerId as string]: 1_500_000 })

    const ls = await h.run(['ls', '--json', '--data-dir', dataDir])
    assertSuccess(ls)
    const listed = jsonEvents(ls)
    assert.deepEqual(listed.map(e => [e.event, e.name, e.role, e.complete]).sort(), [['content', 'mine.bin', 'share', true], ['content', 'theirs.bin', 'download', true]])

    const peers = await h.run(['peers', '--json', '--data-dir', dataDir])
    assertSuccess(peers)
    assert.ok(jsonEvents(peers).some(e => e.event === 'peer' && e.peerId === other.peerId), show(peers))

    const status = await h.run(['status', '--json', '--data-dir', dataDir])
    assertSuccess(status)
    const s = jsonEvents(status)[0] as ShoalEvent
    assert.equal(s.daemon, true)
    assert.equal(s.peerId, api.peerId)
    assert.equal(s.shares, 1)
    sharer.signal('SIGINT')
    await sharer.waitExit()
  })

  test('get through the daemon keeps the error contract', { timeout: 60_000 }, async () => {
    const missing = await h.run(['get', await unknownCid(), '--json', '--timeout', '2', '-o', await h.dir('none'), '--data-dir', dataDir])
    assertJsonFailure(missing, ['TIMEOUT'])
    assertJsonFailure(await h.run(['get', 'shoal://nonsense', '--json', '--data-dir', dataDir]), ['BAD_LINK'])
  })

  test('SIGTERM stops it with exit 0 and removes its API file', { timeout: 60_000 }, async () => {
    daemon.signal('SIGTERM')
    const exit = await daemon.waitExit()
    assert.equal(exit.code, 0, show(exit))
    assert.ok(!existsSync(join(dataDir, 'api.json')))
    assert.ok(existsSync(join(dataDir, 'api-token')), 'the token stays for the next start')
    const status = await h.run(['status', '--json', '--data-dir', dataDir])
    assert.equal(jsonEvents(status)[0]?.daemon, false)
  })
})
