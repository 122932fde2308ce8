/**
 * Audits with real piece bytes: a holder whose copy is damaged on disk (one byte flipped, or the
 * file cut short): a cut copy fails within a few audit rounds and is banned; a holder with a
 * flipped byte (which it may detect itself: a changed file is checked piece by piece before
 * serving) ends failed and banned, or counted healthy only with a whole copy on disk. Honest
 * holders are never failed over 100 rounds; a failed holder is replaced by a new volunteer that copies from the others.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { open, readFile, truncate } from 'node:fs/promises'
import { join } from 'node:path'
import type { ShoalNode } from '../../src/node/node.js'
import { dataPath, SECRET_CONTENT_NAME } from '../../src/content/secret.js'
import { healthyHolders } from '../../src/storage/replications.js'
import { STORAGE_SERVICE, type StorageService } from '../../src/storage/service.js'
import { MiB, TestSwarm, waitFor, writeRandomFile } from '../helpers/swarm.js'

/** Few enough pieces (16 KiB each) that 16 audited pieces cover them all in a round or two. */
const SIZE = 256 * 1024
const FAST = { auditIntervalMs: 60 * 60_000, repairAfterMs: 60 * 60_000, auditPieces: 16 }

function storageOf (node: ShoalNode): StorageService {
  const service = node.service<StorageService>(STORAGE_SERVICE)
  assert.ok(service !== undefined)
  return service
}

test('damaged copies fail audits and are banned; honest ones pass 100 rounds; the failed one is replaced', { timeout: 180_000 }, async (t) => {
  const swarm = new TestSwarm()
  t.after(async () => await swarm.cleanup())
  const volunteers: ShoalNode[] = []
  for (let i = 0; i < 5; i++) volunteers.push(await swarm.node(`volunteer-${i}`, { storage: { offerBytes: 64 * MiB, ownerShare: 0.5 } }))
  const owner = await swarm.node('owner', { storage: FAST })
  for (const v of volunteers) await owner.connect(v.addrs()[0]!)
  const source = join(await swarm.dir('source'), 'accounts.bin')
  await writeRandomFile(source, SIZE)
  const storage = storageOf(owner)
  const { replication } = await storage.replicate(source, { copies: 3, sameNetworkOk: true })
  const [flipped, cut, honest] = replication.holders.map(h => volunteers.find(v => v.peerId === h.peerId)!)
  const sealedFile = (v: ShoalNode): string => join(v.dataDir, 'held', replication.cid, SECRET_CONTENT_NAME, dataPath(0))

  for (let round = 0; round < 100; round++) await storage.replicator.auditAll()
  assert.equal(healthyHolders(storage.replicator.list()[0]!).length, 3, 'no honest holder failed over 100 rounds')

  const handle = await open(sealedFile(flipped!), 'r+')
  const byte = Buffer.alloc(1)
  await handle.read(byte, 0, 1, 100_000)
  byte[0] = byte[0]! ^ 0x80
  await handle.write(byte, 0, 1, 100_000)
  await handle.close()
  await truncate(sealedFile(cut!), 50_000)

  for (let round = 0; round < 5; round++) await storage.replicator.auditAll()
  const after = storage.replicator.list()[0]!
  const stateOf = (v: ShoalNode): string | undefined => after.holders.find(h => h.peerId === v.peerId)?.state
  const recordOf = (v: ShoalNode): string => JSON.stringify(after.holders.find(h => h.peerId === v.peerId))
  assert.equal(stateOf(cut!), 'failed', `a truncated copy fails the holder: ${recordOf(cut!)}`)
  assert.ok(owner.bannedPeers().includes(cut!.peerId), 'the holder of the truncated copy is banned')
  assert.equal(stateOf(honest!), 'held')

  // Upkeep audits a suspect holder again until it fails or passes, and replaces each failed holder
  // with a volunteer left, copying from the others.
  await waitFor('three holders held', async () => {
    await storage.replicator.upkeep()
    return healthyHolders(storage.replicator.list()[0]!).length >= 3
  }, 90_000)
  const repaired = storage.replicator.list()[0]!
  const healthy = healthyHolders(repaired).map(h => h.peerId)
  assert.ok(!healthy.includes(cut!.peerId))
  if (healthy.includes(flipped!.peerId)) {
    assert.deepEqual(await readFile(sealedFile(flipped!)), await readFile(sealedFile(honest!)), 'a holder that passes its audits again holds a whole copy on disk')
  } else {
    assert.ok(owner.bannedPeers().includes(flipped!.peerId), 'the holder of the flipped byte failed and is banned')
  }
  const newcomers = healthy.filter(id => ![honest!.peerId, flipped!.peerId].includes(id))
  assert.equal(newcomers.length, 3 - 1 - (healthy.includes(flipped!.peerId) ? 1 : 0))
})
