/** `shoal id` (a stable identity per data directory) and `--help` on every command. */
import { describe, test, before, after } from 'node:test'
import { strict as assert } from 'node:assert'
import { Harness, assertLoopbackAddrs, assertSuccess, jsonEvents, show, type RunResult, type ShoalEvent } from './harness.js'

function idEvent (result: RunResult): ShoalEvent {
  assertSuccess(result)
  const events = jsonEvents(result)
  assert.equal(events.length, 1, `expected one event:\n${show(result)}`)
  const event = events[0] as ShoalEvent
  assert.equal(event.event, 'id')
  assert.equal(typeof event.peerId, 'string')
  assertLoopbackAddrs(event.addrs, event.peerId as string)
  return event
}

describe('shoal id', () => {
  const h = new Harness()
  before(async () => { await h.setup() })
  after(async () => { await h.cleanup() })

  test('the peer ID is stable for one data directory and differs between two', { timeout: 60_000 }, async () => {
    const a = h.dataDir('a')
    const b = h.dataDir('b')
    const [first, other] = await Promise.all([
      h.run(['id', '--json', ...h.net(a)]),
      h.run(['id', '--json', ...h.net(b)])
    ])
    const again = await h.run(['id', '--json', ...h.net(a)])
    const human = await h.run(['id', ...h.net(a)])

    const peerId = idEvent(first).peerId as string
    assert.equal(idEvent(again).peerId, peerId, 'same data directory, different peer ID')
    assert.notEqual(idEvent(other).peerId, peerId, 'two data directories share a peer ID')
    assertSuccess(human)
    assert.ok(human.stdout.includes(peerId), `human output lacks the peer ID:\n${show(human)}`)
  })
})

describe('--help', () => {
  const h = new Harness()
  before(async () => { await h.setup() })
  after(async () => { await h.cleanup() })

  for (const command of ['share', 'get', 'id', 'demo']) {
    test(`shoal ${command} --help / -h`, { timeout: 30_000 }, async () => {
      const [long, short] = await Promise.all([
        h.run([command, '--help', ...h.net()]),
        h.run([command, '-h', ...h.net()])
      ])
      for (const result of [long, short]) {
        assertSuccess(result)
        assert.match(result.stdout, new RegExp(`^Usage: shoal ${command}\\b`, 'm'), show(result))
        assert.equal(result.stderr, '', show(result))
      }
      assert.equal(short.stdout, long.stdout)
    })
  }

  test('shoal --help lists every command', { timeout: 30_000 }, async () => {
    const result = await h.run(['--help'])
    assertSuccess(result)
    assert.match(result.stdout, /^Usage: shoal <command>/m)
    for (const command of ['share', 'get', 'id', 'demo']) assert.match(result.stdout, new RegExp(`^ +${command}\\b`, 'm'), show(result))
  })
})
