/**
 * Bad input ends with one line on stderr (or, with --json, an error event as stdout's last line),
 * a non-zero exit and never a stack trace.
 */
import { describe, test, before, after } from 'node:test'
import { strict as assert } from 'node:assert'
import { chmod, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  Harness, assertHumanFailure, assertJsonFailure, assertLoopbackAddrs, assertSuccess, jsonEvents, show, unknownCid,
  type ShoalEvent, type Wrapper
} from './harness.js'

/**
 * Root may read and write anywhere: run as root, these commands run without the two capabilities
 * that bypass file permissions (util-linux's setpriv), so a folder's mode applies to them too.
 */
const WITHOUT_ROOTS_RIGHTS: Wrapper = process.getuid?.() === 0 ? ['setpriv', '--bounding-set', '-dac_override,-dac_read_search'] : undefined

interface Case {
  name: string
  /** Command line without --json and the per-process network flags. */
  args: () => Promise<string[]>
  codes: string[]
}

describe('shoal: bad input', () => {
  const h = new Harness()
  let regularFile = ''
  before(async () => {
    await h.setup()
    regularFile = join(await h.dir('files'), 'regular.txt')
    await writeFile(regularFile, 'not a folder\n')
  })
  after(async () => { await h.cleanup() })

  const cases: Case[] = [
    { name: 'get not-a-link', args: async () => ['get', 'not-a-link'], codes: ['BAD_LINK'] },
    { name: 'get with a link whose peer is not a multiaddr', args: async () => ['get', `shoal://${await unknownCid()}?peer=nonsense`], codes: ['BAD_LINK'] },
    { name: 'share a path that does not exist', args: async () => ['share', join(h.root, 'no', 'such', 'path')], codes: ['PATH_NOT_FOUND'] },
    { name: 'share without a path', args: async () => ['share'], codes: ['BAD_ARGUMENT'] },
    { name: 'get without a link', args: async () => ['get'], codes: ['BAD_ARGUMENT'] },
    { name: 'get an unknown CID with no peers (--timeout 2)', args: async () => ['get', await unknownCid(), '--timeout', '2', '-o', await h.dir('out')], codes: ['TIMEOUT'] },
    { name: 'get -o under a regular file', args: async () => ['get', await unknownCid(), '--timeout', '5', '-o', join(regularFile, 'sub')], codes: ['NO_WRITE_ACCESS', 'BAD_ARGUMENT'] },
    { name: 'get -o a regular file', args: async () => ['get', await unknownCid(), '--timeout', '5', '-o', regularFile], codes: ['NO_WRITE_ACCESS', 'BAD_ARGUMENT'] },
    { name: 'get --timeout that is not a number', args: async () => ['get', await unknownCid(), '--timeout', 'soon'], codes: ['BAD_ARGUMENT'] },
    { name: 'unknown command', args: async () => ['frobnicate'], codes: ['BAD_ARGUMENT'] },
    { name: 'unknown flag (get)', args: async () => ['get', await unknownCid(), '--frobnicate'], codes: ['BAD_ARGUMENT'] },
    { name: 'unknown flag (id)', args: async () => ['id', '--frobnicate'], codes: ['BAD_ARGUMENT'] },
    { name: 'share --piece-size that is not a power of two', args: async () => ['share', regularFile, '--piece-size', '100k'], codes: ['BAD_ARGUMENT'] },
    { name: 'share --piece-size above 16M', args: async () => ['share', regularFile, '--piece-size', '32M'], codes: ['BAD_ARGUMENT'] },
    { name: 'an --upload-limit that is not a size', args: async () => ['id', '--upload-limit', 'fast'], codes: ['BAD_ARGUMENT'] },
    { name: 'a --listen that is not a multiaddr', args: async () => ['id', '--listen', 'nowhere'], codes: ['BAD_ARGUMENT'] },
    { name: 'a --public-range that is not an address range', args: async () => ['id', '--public-range', '10.82'], codes: ['BAD_ARGUMENT'] }
  ]

  for (const c of cases) {
    test(c.name, { timeout: 60_000 }, async () => {
      // Human and --json runs at once: independent processes with their own data directories.
      const args = await c.args()
      const [human, json] = await Promise.all([
        h.run([...args, ...h.net()]),
        h.run([...args, '--json', ...h.net()])
      ])
      const line = assertHumanFailure(human)
      assert.match(line, /^shoal: /, `error line does not say who is talking:\n${show(human)}`)
      const event = assertJsonFailure(json, c.codes)
      // In JSON mode everything goes to stdout; stderr stays quiet.
      assert.equal(json.stderr, '', `stderr in --json mode:\n${show(json)}`)
      // The same failure in both modes: same message.
      assert.equal(line, `shoal: ${event.message as string}`)
    })
  }

  test('get -o a folder without write permission', { timeout: 60_000 }, async () => {
    const locked = await h.dir('locked')
    await chmod(locked, 0o500)
    try {
      const [human, json] = await Promise.all([
        h.run(['get', await unknownCid(), '--timeout', '5', '-o', join(locked, 'sub'), ...h.net()], undefined, WITHOUT_ROOTS_RIGHTS),
        h.run(['get', await unknownCid(), '--timeout', '5', '-o', locked, '--json', ...h.net()], undefined, WITHOUT_ROOTS_RIGHTS)
      ])
      assert.match(assertHumanFailure(human), /cannot write to .*locked/)
      const event = assertJsonFailure(json, ['NO_WRITE_ACCESS'])
      assert.match(event.message as string, /cannot write to .*locked/, 'the error names another path than the output folder')
      assert.deepEqual(await readdir(locked), [], 'something was written into the locked folder')
    } finally {
      await chmod(locked, 0o700)
    }
  })

  test('share a folder holding a file it may not read', { timeout: 60_000 }, async () => {
    const folder = await h.dir('unreadable')
    await writeFile(join(folder, 'open.txt'), 'anyone may read this\n')
    await writeFile(join(folder, 'secret.txt'), 'nobody may read this\n')
    await chmod(join(folder, 'secret.txt'), 0)
    const [human, json] = await Promise.all([
      h.run(['share', folder, ...h.net()], undefined, WITHOUT_ROOTS_RIGHTS),
      h.run(['share', folder, '--json', ...h.net()], undefined, WITHOUT_ROOTS_RIGHTS)
    ])
    assert.match(assertHumanFailure(human), /cannot read .*secret\.txt: permission denied/)
    assertJsonFailure(json, ['PATH_NOT_FOUND'])
    assert.ok(!jsonEvents(json).some(e => e.event === 'sharing'), show(json))
  })

  test('a second process on a data directory in use fails with DATA_DIR_IN_USE; the first is unaffected', { timeout: 60_000 }, async () => {
    const file = join(await h.dir('files'), 'shared.txt')
    await writeFile(file, 'hello\n')
    const dataDir = h.dataDir('busy')
    const first = h.start(['share', file, '--json', ...h.net(dataDir)])
    const sharing = await first.waitForEvent('sharing')

    const [human, json, secondShare] = await Promise.all([
      h.run(['id', ...h.net(dataDir)]),
      h.run(['id', '--json', ...h.net(dataDir)]),
      h.run(['share', file, '--json', ...h.net(dataDir)])
    ])
    const line = assertHumanFailure(human)
    assert.match(line, /in use/, show(human))
    assertJsonFailure(json, ['DATA_DIR_IN_USE'])
    assertJsonFailure(secondShare, ['DATA_DIR_IN_USE'])
    assert.ok(!jsonEvents(secondShare).some(e => e.event === 'sharing'), show(secondShare))

    assert.ok(first.running, `the first process stopped:\n${first.describe()}`)
    first.signal('SIGINT')
    const exit = await first.waitExit()
    assert.equal(exit.code, 0, show(exit))

    // Its lock is released on exit, and the identity is the one the sharer had.
    const later = await h.run(['id', '--json', ...h.net(dataDir)])
    assertSuccess(later)
    const id = jsonEvents(later).at(-1) as ShoalEvent
    assert.equal(id.peerId, sharing.peerId)
    assertLoopbackAddrs(id.addrs, id.peerId as string)
  })

  test('two processes started together on one data directory: exactly one runs', { timeout: 60_000 }, async () => {
    const file = join(await h.dir('files'), 'shared.txt')
    await writeFile(file, 'hello\n')
    const dataDir = h.dataDir('race')
    const procs = [0, 1].map(() => h.start(['share', file, '--json', ...h.net(dataDir)]))
    // Each ends up either sharing or failed; wait for both to decide.
    const outcomes = await Promise.all(procs.map(async p => await Promise.race([
      p.waitForEvent('sharing').then(() => 'sharing', () => 'ended'),
      p.exited.then(() => 'ended')
    ])))
    const winners = procs.filter((_, i) => outcomes[i] === 'sharing' && procs[i]?.running === true)
    const losers = procs.filter(p => !winners.includes(p))
    assert.equal(winners.length, 1, `expected exactly one sharer:\n${procs.map(p => p.describe()).join('\n')}`)
    const loser = await (losers[0] as typeof procs[0]).waitExit()
    assertJsonFailure(loser, ['DATA_DIR_IN_USE'])
    const winner = winners[0] as typeof procs[0]
    winner.signal('SIGINT')
    const exit = await winner.waitExit()
    assert.equal(exit.code, 0, show(exit))
  })
})
