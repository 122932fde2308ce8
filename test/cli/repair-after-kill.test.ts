/**
 * Repair: `kill -9` of one holder (a real daemon process); the owner's daemon (`--audit-interval
 * 1s --repair-after 2s`) finds it unreachable, then replaces it with the fourth volunteer, which
 * copies from the two remaining holders: the owner uploads under a quarter of the content to it.
 * The killed holder, restarted, passes audits again and stays as an extra copy.
 */
import { describe, test, before, after } from 'node:test'
import { strict as assert } from 'node:assert'
import { Harness, assertSuccess, jsonEvents, show, type ShoalEvent, type ShoalProcess } from './harness.js'

const SIZE = 8 * 1024 * 1024

async function waitUntil (what: string, limitMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + limitMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${limitMs} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 500))
  }
}

describe('repair', () => {
  const h = new Harness()
  before(async () => { await h.setup() })
  after(async () => { await h.cleanup() })

  test('kill -9 of a holder: three healthy copies again, the new one copied from the other holders', { timeout: 180_000 }, async () => {
    const volunteers: Array<{ proc: ShoalProcess, api: ShoalEvent, dataDir: string }> = []
    for (let i = 0; i < 4; i++) {
      const dataDir = h.dataDir(`volunteer-${i}`)
      const proc = h.start(['daemon', '--json', '--api', '127.0.0.1:0', '--offer-storage', '64M', ...h.net(dataDir)])
      volunteers.push({ proc, api: await proc.waitForEvent('api'), dataDir })
    }
    const ownerDir = h.dataDir('owner')
    const bootstrap = volunteers.flatMap(v => ['--bootstrap', (v.api.addrs as string[])[0]!])
    const owner = h.start(['daemon', '--json', '--api', '127.0.0.1:0', '--audit-interval', '1s', '--repair-after', '2s', ...bootstrap, ...h.net(ownerDir)])
    const ownerApi = await owner.waitForEvent('api')
    const token = /#token=([0-9a-f]+)/.exec(ownerApi.url as string)![1]!
    const api = async <T>(path: string): Promise<T> => await (await fetch(`${ownerApi.api as string}/api/v1${path}`, { headers: { Authorization: `Bearer ${token}` } })).json() as T

    const file = await h.randomFile('archive.bin', SIZE)
    const done = await h.run(['replicate', file.path, '--copies', '3', '--same-network-ok', '--json', '--data-dir', ownerDir], 120_000)
    assertSuccess(done)
    const replicated = jsonEvents(done).at(-1) as ShoalEvent
    const holders = (replicated.holders as Array<{ peerId: string }>).map(x => x.peerId)
    const victim = volunteers.find(v => v.api.peerId === holders[0])!
    const spare = volunteers.find(v => !holders.includes(v.api.peerId as string))!

    victim.proc.child.kill('SIGKILL')
    type Storage = { replications: Array<{ holders: Array<{ peerId: string, state: string, replaced?: boolean }> }> }
    await waitUntil('three healthy copies, one on the spare volunteer', 30_000, async () => {
      const held = (await api<Storage>('/storage')).replications[0]!.holders.filter(x => x.state === 'held')
      return held.length >= 3 && held.some(x => x.peerId === spare.api.peerId)
    })
    const storage = await api<Storage>('/storage')
    const dead = storage.replications[0]!.holders.find(x => x.peerId === victim.api.peerId)!
    assert.equal(dead.state, 'suspect', show(await h.run(['ls', '--data-dir', ownerDir])))
    assert.equal(dead.replaced, true)
    const peers = await api<{ peers: Array<{ peerId: string, uploaded: number }> }>('/peers')
    const toSpare = peers.peers.find(p => p.peerId === spare.api.peerId)?.uploaded ?? 0
    assert.ok(toSpare < SIZE * 0.25, `the owner uploaded ${toSpare} bytes of ${SIZE} to the new holder`)

    // The killed holder comes back (its lease and copy survived kill -9): it passes audits again and
    // is kept as an extra copy, still marked replaced.
    await victim.proc.exited
    const back = h.start(['daemon', '--json', '--api', '127.0.0.1:0', '--offer-storage', '64M', '--bootstrap', (ownerApi.addrs as string[])[0]!, ...h.net(victim.dataDir)])
    await back.waitForEvent('api')
    await waitUntil('the returning holder to pass an audit', 60_000, async () => {
      const holder = (await api<Storage>('/storage')).replications[0]!.holders.find(x => x.peerId === victim.api.peerId)
      return holder?.state === 'held'
    })
    const final = (await api<Storage>('/storage')).replications[0]!.holders
    assert.equal(final.filter(x => x.state === 'held').length, 4, 'four copies: three counted, one extra')
    assert.equal(final.find(x => x.peerId === victim.api.peerId)?.replaced, true)
  })
})
