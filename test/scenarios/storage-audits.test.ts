/**
 * Audits with real piece bytes: a holder whose copy is damaged on disk (one byte flipped, or the
 * file cut short) fails within a few audit rounds and is banned; honest holders are never failed
 * over 100 rounds; a failed holder is replaced by a new volunteer that copies from the others.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { open, truncate } from 'node:fs/promises'
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
  const lastAuditOf = (v: ShoalNode): string => JSON.stringify(after.holders.find(h => h.peerId === v.peerId))
  assert.equal(stateOf(flipped!), 'failed', `a flipped byte fails the holder: ${lastAuditOf(flipped!)}`)
  assert.equal(stateOf(cut!), 'failed', `a truncated copy fails the holder: ${lastAuditOf(cut!)}`)
  assert.equal(stateOf(honest!), 'held')
  assert.ok(owner.bannedPeers().includes(flipped!.peerId) && owner.bannedPeers().includes(cut!.peerId), 'both are banned')
  assert.match(after.holders.find(h => h.peerId === flipped!.peerId)!.lastAudit!.reason!, /does not match its hash|rejected|closed/)

  // Upkeep replaces both with the two volunteers left, copying from the honest holder.
  await waitFor('two new holders held', async () => {
    await storage.replicator.upkeep()
    return healthyHolders(storage.replicator.list()[0]!).length >= 3
  }, 60_000)
  const repaired = storage.replicator.list()[0]!
  const newcomers = healthyHolders(repaired).filter(h => h.peerId !== honest!.peerId)
  assert.equal(newcomers.length, 2)
  for (const h of newcomers) assert.ok(![flipped!.peerId, cut!.peerId].includes(h.peerId))
})
