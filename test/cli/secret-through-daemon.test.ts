/**
 * Secret links through daemons: `share --secret` handed to a running daemon, and `get` of the link
 * through another daemon (which downloads the sealed copy, opens it with the key and writes the
 * plaintext); without the key that daemon's download ends NO_KEY.
 */
import { describe, test, before, after } from 'node:test'
import { strict as assert } from 'node:assert'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { Harness, assertJsonFailure, assertSuccess, jsonEvents, sha256File, show, type ShoalEvent } from './harness.js'

describe('secret links through daemons', () => {
  const h = new Harness()
  before(async () => { await h.setup() })
  after(async () => { await h.cleanup() })

  test('share --secret via a daemon; get via another daemon with and without the key', { timeout: 120_000 }, async () => {
    const ownerDir = h.dataDir('owner')
    const owner = h.start(['daemon', '--json', '--api', '127.0.0.1:0', ...h.net(ownerDir)])
    const ownerApi = await owner.waitForEvent('api')
    const getterDir = h.dataDir('getter')
    const getter = h.start(['daemon', '--json', '--api', '127.0.0.1:0', '--bootstrap', (ownerApi.addrs as string[])[0]!, ...h.net(getterDir)])
    await getter.waitForEvent('api')

    const file = await h.randomFile('medical-records.bin', 1_500_000)
    const shared = await h.run(['share', '--secret', file.path, '--json', '--data-dir', ownerDir])
    assertSuccess(shared)
    const sharing = jsonEvents(shared).find(e => e.event === 'sharing') as ShoalEvent
    assert.match(sharing.link as string, /#k=[a-z2-7]{52}$/, show(shared))
    assert.match(sharing.web as string, /\/get\/#shoal:\/\/\w+\?peer=[^#]*%2Fws%2F[^#]*#k=[a-z2-7]{52}$/, `the web link keeps the key, which a page opens: ${show(shared)}`)

    const refused = await h.dir('refused')
    assertJsonFailure(await h.run(['get', (sharing.link as string).split('#')[0]!, '-o', refused, '--json', '--timeout', '30', '--data-dir', getterDir]), ['NO_KEY'])
    assert.deepEqual((await readdir(refused)).filter(n => !n.startsWith('.shoal-probe')), [])

    const output = await h.dir('out')
    const got = await h.run(['get', sharing.link as string, '-o', output, '--json', '--timeout', '30', '--data-dir', getterDir])
    assertSuccess(got)
    const done = jsonEvents(got).at(-1) as ShoalEvent
    assert.equal(done.event, 'done', show(got))
    assert.equal(done.path, join(output, 'medical-records.bin'))
    assert.equal(await sha256File(done.path as string), file.sha256)
  })
})
