/** `shoal demo`: a local swarm in one process; exit 0 when every copy is identical. */
import { describe, test, before, after } from 'node:test'
import { strict as assert } from 'node:assert'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { Harness, assertSuccess, jsonEvents, show, type ShoalEvent } from './harness.js'

describe('shoal demo', () => {
  const h = new Harness()
  before(async () => { await h.setup() })
  after(async () => { await h.cleanup() })

  test('demo --peers 3 --size 2M --json: every copy identical, exit 0', { timeout: 90_000 }, async () => {
    const result = await h.run(['demo', '--peers', '3', '--size', '2M', '--json', ...h.net()], 80_000)
    assertSuccess(result)
    const events = jsonEvents(result)
    const last = events.at(-1) as ShoalEvent
    assert.equal(last.event, 'demo-done', show(result))
    assert.equal(last.peers, 3)
    assert.equal(last.bytes, 2 * 1024 * 1024)
    assert.equal(last.downloads, 2, 'one downloader in the crowd plus the late one')
    assert.equal(last.identical, last.downloads, show(result))
    const verified = events.filter(e => e.event === 'verified')
    assert.equal(verified.length, 2, show(result))
    for (const v of verified) assert.equal(v.identical, true, show(result))
    // Its scratch folder (under the TMPDIR the harness gives it) is gone.
    assert.deepEqual((await readdir(join(h.root, 'tmp'))).filter(name => name.startsWith('shoal-demo-')), [])
  })
})
