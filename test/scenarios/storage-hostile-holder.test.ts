/**
 * Hostile holders (bare libp2p nodes speaking docs/protocol.md) that accept a lease and then
 * serve garbage, or nothing: each is failed by its audits and banned, and the copy is placed on
 * an honest volunteer instead.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import type { ShoalNode } from '../../src/node/node.js'
import { healthyHolders } from '../../src/storage/replications.js'
import { STORAGE_SERVICE, type StorageService } from '../../src/storage/service.js'
import { startHostileHolder } from '../helpers/hostile-holder.js'
import { MiB, TestSwarm, writeRandomFile } from '../helpers/swarm.js'

test('hostile holders serving garbage or nothing: failed, banned, the copies placed elsewhere', { timeout: 180_000 }, async (t) => {
  const swarm = new TestSwarm()
  t.after(async () => await swarm.cleanup())
  const source = join(await swarm.dir('source'), 'thesis.bin')
  await writeRandomFile(source, 2 * MiB)
  const handle = await open(source, 'r')
  const garbage = await startHostileHolder('wrong-data', handle)
  const silent = await startHostileHolder('silent', handle)
  t.after(async () => { await garbage.stop(); await silent.stop(); await handle.close() })

  const honest: ShoalNode[] = []
  for (let i = 0; i < 3; i++) honest.push(await swarm.node(`volunteer-${i}`, { storage: { offerBytes: 64 * MiB } }))
  const owner = await swarm.node('owner', { storage: { maxMisses: 2 } })
  for (const addr of [...honest.map(v => v.addrs()[0]!), garbage.addrs()[0]!, silent.addrs()[0]!]) await owner.connect(addr)
  await new Promise(resolve => setTimeout(resolve, 500)) // identify tells which peers take storage requests

  const storage = owner.service<StorageService>(STORAGE_SERVICE)!
  const { replication } = await storage.replicate(source, { copies: 3, sameNetworkOk: true })
  assert.ok(garbage.leases > 0 && silent.leases > 0, 'the hostile volunteers, offering the most room, were asked first')
  const stateOf = (id: string): string | undefined => replication.holders.find(h => h.peerId === id)?.state
  assert.equal(stateOf(garbage.peerId), 'failed')
  assert.equal(stateOf(silent.peerId), 'failed')
  assert.ok(owner.bannedPeers().includes(garbage.peerId) && owner.bannedPeers().includes(silent.peerId), 'both are banned')
  const healthy = healthyHolders(replication).map(h => h.peerId)
  assert.deepEqual(new Set(healthy), new Set(honest.map(v => v.peerId)), 'the three copies are on the honest volunteers')
})
