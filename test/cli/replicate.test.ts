/**
 * `shoal replicate` through a daemon, against volunteer daemons (`--offer-storage`): the
 * `replicated` event, `ls` on both sides, and NOT_ENOUGH_HOLDERS (too few volunteers, or too few
 * failure domains: every process here is on 127.0.0.1, one /24).
 */
import { describe, test, before, after } from 'node:test'
import { strict as assert } from 'node:assert'
import { Harness, assertJsonFailure, assertSuccess, jsonEvents, show, type ShoalEvent } from './harness.js'

const SIZE = 2 * 1024 * 1024 + 7

describe('shoal replicate', () => {
  const h = new Harness()
  before(async () => { await h.setup() })
  after(async () => { await h.cleanup() })

  test('three volunteers: --copies 3 --same-network-ok prints replicated; ls shows holders and what each holds; --copies 4 and one-domain --copies 2 are NOT_ENOUGH_HOLDERS', { timeout: 150_000 }, async () => {
    const volunteers = []
    for (let i = 0; i < 3; i++) {
      const dataDir = h.dataDir(`volunteer-${i}`)
      const proc = h.start(['daemon', '--json', '--api', '127.0.0.1:0', '--offer-storage', '64M', ...h.net(dataDir)])
      volunteers.push({ dataDir, api: await proc.waitForEvent('api') })
    }
    const ownerDir = h.dataDir('owner')
    const bootstrap = volunteers.flatMap(v => ['--bootstrap', (v.api.addrs as string[])[0]!])
    const owner = h.start(['daemon', '--json', '--api', '127.0.0.1:0', '--audit-interval', '1s', '--repair-after', '2s', ...bootstrap, ...h.net(ownerDir)])
    await owner.waitForEvent('api')
    const file = await h.randomFile('ledger.bin', SIZE)

    const done = await h.run(['replicate', file.path, '--copies', '3', '--same-network-ok', '--json', '--data-dir', ownerDir], 120_000)
    assertSuccess(done)
    const replicated = jsonEvents(done).at(-1) as ShoalEvent
    assert.equal(replicated.event, 'replicated', show(done))
    assert.equal(replicated.copies, 3)
    assert.match(replicated.link as string, /^shoal:\/\/[a-z0-9]+\?peer=.*#k=[a-z2-7]{52}$/)
    const holders = replicated.holders as Array<{ peerId: string, state: string, expiresAt: number }>
    assert.deepEqual(new Set(holders.map(x => x.peerId)), new Set(volunteers.map(v => v.api.peerId as string)))
    for (const holder of holders) {
      assert.equal(holder.state, 'held')
      assert.ok(holder.expiresAt > Date.now() + 29 * 24 * 3600_000)
    }

    const ls = await h.run(['ls', '--json', '--data-dir', ownerDir])
    assertSuccess(ls)
    const replica = jsonEvents(ls).find(e => e.event === 'replica')
    assert.ok(replica !== undefined, show(ls))
    assert.equal(replica.copies, 3)
    assert.equal(replica.healthy, 3)
    assert.equal(replica.cid, replicated.cid)

    const held = await h.run(['ls', '--json', '--data-dir', volunteers[0]!.dataDir])
    const heldEvent = jsonEvents(held).find(e => e.event === 'held')
    assert.ok(heldEvent !== undefined, show(held))
    assert.equal(heldEvent.cid, replicated.cid)
    assert.equal(heldEvent.state, 'held')
    const storage = jsonEvents(held).find(e => e.event === 'storage')
    assert.equal(storage?.offeredBytes, 64 * 1024 * 1024)
    assert.ok((storage?.usedBytes as number) >= SIZE)

    const other = await h.randomFile('other.bin', 100_000)
    assertJsonFailure(await h.run(['replicate', other.path, '--copies', '4', '--same-network-ok', '--json', '--data-dir', ownerDir], 120_000), ['NOT_ENOUGH_HOLDERS'])
    const third = await h.randomFile('third.bin', 100_000)
    const oneDomain = assertJsonFailure(await h.run(['replicate', third.path, '--copies', '2', '--json', '--data-dir', ownerDir], 120_000), ['NOT_ENOUGH_HOLDERS'])
    assert.match(oneDomain.message as string, /1 failure domain/)
  })
})
