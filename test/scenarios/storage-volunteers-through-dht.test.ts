/**
 * Volunteers are found through the DHT, with no list and no address: two volunteers and an owner
 * know only a plain node C; the volunteers provide the offer key, the owner finds both and places
 * its two copies on them.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { join } from 'node:path'
import { healthyHolders } from '../../src/storage/replications.js'
import { STORAGE_SERVICE, type StorageService } from '../../src/storage/service.js'
import { offerKey } from '../../src/storage/volunteers.js'
import { dhtProviders, MiB, TestSwarm, waitFor, writeRandomFile } from '../helpers/swarm.js'

test('volunteers found through the DHT offer key alone', { timeout: 120_000 }, async (t) => {
  const swarm = new TestSwarm()
  t.after(async () => await swarm.cleanup())
  const c = await swarm.node('c')
  const bootstrap = c.addrs()
  const volunteers = [await swarm.node('v1', { bootstrap, storage: { offerBytes: 64 * MiB, ownerShare: 0.5 } }), await swarm.node('v2', { bootstrap, storage: { offerBytes: 64 * MiB, ownerShare: 0.5 } })]
  const key = (await offerKey()).toString()
  await waitFor('both volunteers to provide the offer key', async () => {
    const found = await dhtProviders(c, key, 2_000).catch((): string[] => [])
    return volunteers.every(v => found.includes(v.peerId))
  }, 60_000)
  const owner = await swarm.node('owner', { bootstrap })
  await waitFor('the owner to join through C', () => owner.connectedPeers().includes(c.peerId))
  const found = await dhtProviders(owner, key)
  for (const v of volunteers) assert.ok(found.includes(v.peerId), 'the owner finds each volunteer\'s provider record')

  const source = join(await swarm.dir('source'), 'notes.bin')
  await writeRandomFile(source, 1 * MiB)
  const { replication } = await owner.service<StorageService>(STORAGE_SERVICE)!.replicate(source, { copies: 2, sameNetworkOk: true })
  assert.deepEqual(new Set(healthyHolders(replication).map(h => h.peerId)), new Set(volunteers.map(v => v.peerId)))
})
