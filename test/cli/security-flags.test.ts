/**
 * The security flags as a user types them: `shoal network-key`, `--network-key <file>` (a private
 * network), `get --publisher <peerId>`, `--download-limit <rate>`; with their failures (a bad key
 * file, a wrong publisher, a bad rate) ending like every other failure: one line or one error
 * event, the documented code and exit status.
 */
import { describe, test, before, after } from 'node:test'
import { strict as assert } from 'node:assert'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseNetworkKey } from '../../src/net/network-key.js'
import { Harness, assertHumanFailure, assertJsonFailure, assertSuccess, jsonEvents, sha256File, show, type ShoalEvent } from './harness.js'

const FILE_SIZE = 300_000
/** A get that can only fail gives up after this many seconds. */
const SHORT_TIMEOUT = ['--timeout', '3']

describe('shoal: security flags', () => {
  const h = new Harness()
  before(async () => { await h.setup() })
  after(async () => { await h.cleanup() })

  test('network-key prints a new key file; --json wraps it in an event', async () => {
    const [a, b, json] = await Promise.all([h.run(['network-key']), h.run(['network-key']), h.run(['network-key', '--json'])])
    for (const r of [a, b, json]) assertSuccess(r)
    parseNetworkKey(Buffer.from(a.stdout))
    assert.notEqual(a.stdout, b.stdout, 'two keys are the same')
    const event = jsonEvents(json)[0] as ShoalEvent
    assert.equal(event.event, 'network-key')
    parseNetworkKey(Buffer.from(event.key as string))
  })

  test('--network-key: members share; a node without the key cannot get; a bad key file is BAD_ARGUMENT', { timeout: 90_000 }, async () => {
    const keyFile = join(await h.dir('keys'), 'swarm.key')
    await writeFile(keyFile, (await h.run(['network-key'])).stdout)
    const file = await h.randomFile('private.bin', FILE_SIZE)
    const sharer = h.start(['share', file.path, '--json', '--network-key', keyFile, ...h.net()])
    const sharing = await sharer.waitForEvent('sharing')

    const member = await h.run(['get', sharing.link as string, '-o', await h.dir('member'), '--json', '--network-key', keyFile, '--timeout', '30', ...h.net()])
    assertSuccess(member)
    assert.equal(await sha256File(join((jsonEvents(member).at(-1) as ShoalEvent).path as string)), file.sha256)

    const outsider = await h.run(['get', sharing.link as string, '-o', await h.dir('outsider'), '--json', ...SHORT_TIMEOUT, ...h.net()])
    assertJsonFailure(outsider, ['TIMEOUT'])

    const badKey = join(await h.dir('keys'), 'bad.key')
    await writeFile(badKey, 'not a key\n')
    for (const key of [badKey, join(h.root, 'no-such.key')]) {
      const [human, json] = await Promise.all([h.run(['id', '--network-key', key, ...h.net()]), h.run(['id', '--network-key', key, '--json', ...h.net()])])
      assert.match(assertHumanFailure(human), /network key/, show(human))
      assert.equal(human.code, 2)
      assertJsonFailure(json, ['BAD_ARGUMENT'])
    }
    sharer.signal('SIGINT')
    await sharer.waitExit()
  })

  test('get --publisher: the right key downloads; another ends with WRONG_PUBLISHER; a non-ID is BAD_ARGUMENT', { timeout: 90_000 }, async () => {
    const file = await h.randomFile('signed.bin', FILE_SIZE)
    const sharer = h.start(['share', file.path, '--json', ...h.net()])
    const sharing = await sharer.waitForEvent('sharing')
    const stranger = jsonEvents(await h.run(['id', '--json', ...h.net()]))[0]?.peerId as string

    const right = await h.run(['get', sharing.link as string, '-o', await h.dir('right'), '--json', '--publisher', sharing.peerId as string, '--timeout', '30', ...h.net()])
    assertSuccess(right)
    assert.equal((jsonEvents(right).at(-1) as ShoalEvent).publisher, sharing.peerId)

    const [human, json] = await Promise.all([
      h.run(['get', sharing.link as string, '-o', await h.dir('wrong-h'), '--publisher', stranger, ...SHORT_TIMEOUT, ...h.net()]),
      h.run(['get', sharing.link as string, '-o', await h.dir('wrong-j'), '--json', '--publisher', stranger, ...SHORT_TIMEOUT, ...h.net()])
    ])
    assert.match(assertHumanFailure(human), new RegExp(`signed by ${sharing.peerId as string}, not by ${stranger}`), show(human))
    assert.equal(human.code, 1)
    assertJsonFailure(json, ['WRONG_PUBLISHER'])

    assertJsonFailure(await h.run(['get', sharing.link as string, '--json', '--publisher', 'nobody', ...SHORT_TIMEOUT, ...h.net()]), ['BAD_ARGUMENT'])
    sharer.signal('SIGINT')
    await sharer.waitExit()
  })

  test('--download-limit takes a rate with k/M/G suffixes; anything else is BAD_ARGUMENT', { timeout: 90_000 }, async () => {
    const file = await h.randomFile('limited.bin', FILE_SIZE)
    const sharer = h.start(['share', file.path, '--json', ...h.net()])
    const sharing = await sharer.waitForEvent('sharing')
    const got = await h.run(['get', sharing.link as string, '-o', await h.dir('limited'), '--json', '--download-limit', '8M', '--timeout', '30', ...h.net()])
    assertSuccess(got)
    assert.equal(await sha256File(join((jsonEvents(got).at(-1) as ShoalEvent).path as string)), file.sha256)
    for (const rate of ['fast', '0', '-1k', '1e9', '99999999999999999999G']) {
      assertJsonFailure(await h.run(['id', '--json', '--download-limit', rate, ...h.net()]), ['BAD_ARGUMENT'])
    }
    sharer.signal('SIGINT')
    await sharer.waitExit()
  })
})
