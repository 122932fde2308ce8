/**
 * In a private network (`--network-key`) only members are volunteers to each other: an owner
 * replicates to the two member volunteers, and asking for a third copy finds no one else, although
 * a volunteer without the key and one of another network offer room and try to connect.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { join } from 'node:path'
import { ErrorCode, ShoalError } from '../../src/errors.js'
import { generateNetworkKey, parseNetworkKey } from '../../src/net/network-key.js'
import { healthyHolders } from '../../src/storage/replications.js'
import { STORAGE_SERVICE, type StorageService } from '../../src/storage/service.js'
import { MiB, TestSwarm, writeRandomFile } from '../helpers/swarm.js'

test('a private network: only members hold copies', { timeout: 120_000 }, async (t) => {
  const swarm = new TestSwarm()
  t.after(async () => await swarm.cleanup())
  const key = parseNetworkKey(new TextEncoder().encode(generateNetworkKey()))
  const otherKey = parseNetworkKey(new TextEncoder().encode(generateNetworkKey()))
  const offer = { offerBytes: 64 * MiB, ownerShare: 0.5 }
  const members = [await swarm.node('member-1', { networkKey: key, storage: offer }), await swarm.node('member-2', { networkKey: key, storage: offer })]
  const outsiders = [await swarm.node('outsider', { storage: offer }), await swarm.node('other-network', { networkKey: otherKey, storage: offer })]
  const owner = await swarm.node('owner', { networkKey: key })
  for (const m of members) await owner.connect(m.addrs()[0]!)
  for (const o of outsiders) {
    await assert.rejects(owner.connect(o.addrs()[0]!))
    await assert.rejects(o.connect(owner.addrs()[0]!))
  }
  const source = join(await swarm.dir('source'), 'minutes.bin')
  await writeRandomFile(source, 1 * MiB)
  const storage = owner.service<StorageService>(STORAGE_SERVICE)!
  const { replication, link } = await storage.replicate(source, { copies: 2, sameNetworkOk: true })
  assert.deepEqual(new Set(healthyHolders(replication).map(h => h.peerId)), new Set(members.map(m => m.peerId)))
  await assert.rejects(storage.replicate(link, { copies: 3, sameNetworkOk: true }),
    (err: unknown) => err instanceof ShoalError && err.code === ErrorCode.NotEnoughHolders && /found 0 volunteer/.test(err.message))
  for (const o of outsiders) assert.equal(o.service<StorageService>(STORAGE_SERVICE)!.status().held.length, 0)
})
