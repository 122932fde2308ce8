/**
 * Quotas and leases: an offer too small refuses (TOO_BIG) and the owner uses other volunteers; an
 * short lease is renewed while its owner runs, and collected once nobody renews it and its space comes back; a live lease survives a volunteer
 * restart, and the restarted volunteer still serves the copy.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { join } from 'node:path'
import { parseLink } from '../../src/content/link.js'
import { ErrorCode, ShoalError } from '../../src/errors.js'
import type { ShoalNode } from '../../src/node/node.js'
import { signRequest } from '../../src/storage/signing.js'
import type { StoreRequest } from '../../src/storage/messages.js'
import { STORAGE_SERVICE, type StorageService } from '../../src/storage/service.js'
import { askStore } from '../../src/storage/store-stream.js'
import { allocatedBytes } from '../../src/store/disk-space.js'
import { GET_TIMEOUT_MS, hashFile, MiB, TestSwarm, waitFor, writeRandomFile } from '../helpers/swarm.js'

const SIZE = 20 * MiB

function storageOf (node: ShoalNode): StorageService {
  const service = node.service<StorageService>(STORAGE_SERVICE)
  assert.ok(service !== undefined)
  return service
}

test('a too-small offer refuses and others are used; a short unrenewed lease is collected; a live one survives a restart', { timeout: 180_000 }, async (t) => {
  const swarm = new TestSwarm()
  t.after(async () => await swarm.cleanup())
  const volunteerOptions = { storage: { offerBytes: 64 * MiB, ownerShare: 0.5, gcIntervalMs: 300 } }
  const small = await swarm.node('small', { storage: { offerBytes: 16 * MiB, ownerShare: 1, gcIntervalMs: 300 } })
  const volunteers: ShoalNode[] = [small]
  for (let i = 0; i < 3; i++) volunteers.push(await swarm.node(`volunteer-${i}`, volunteerOptions))
  const owner = await swarm.node('owner', { storage: { leaseMs: 60 * 60_000 } })
  for (const v of volunteers) await owner.connect(v.addrs()[0]!)
  const source = join(await swarm.dir('source'), 'video.bin')
  await writeRandomFile(source, SIZE)

  const { replication, link } = await storageOf(owner).replicate(source, { copies: 3, sameNetworkOk: true })
  assert.ok(!replication.holders.some(h => h.peerId === small.peerId), 'the small volunteer holds nothing')
  const direct = await signRequest<StoreRequest>({ type: 'store', cid: replication.cid, bytes: replication.bytes, leaseMs: 60_000, origins: [], to: small.peerId }, (owner as any).privateKey)
  const refused = await askStore((owner as any).libp2p, small.peerId, direct, AbortSignal.timeout(10_000))
  assert.equal(refused.type, 'refused')
  assert.equal(refused.type === 'refused' ? refused.reason : '', 'TOO_BIG')
  await assert.rejects(storageOf(owner).replicate(link, { copies: 4, sameNetworkOk: true }),
    (err: unknown) => err instanceof ShoalError && err.code === ErrorCode.NotEnoughHolders && /TOO_BIG/.test(err.message))

  // A live lease survives a restart of its volunteer: the lease book and the copy are still there, and served.
  const keeper = volunteers.find(v => v.peerId === replication.holders[0]!.peerId)!
  const keeperDir = keeper.dataDir
  await keeper.stop()
  const restarted = await swarm.node('restarted', { ...volunteerOptions, dataDir: keeperDir })
  await new Promise(resolve => setTimeout(resolve, 1_000)) // several collection passes
  const held = storageOf(restarted).status().held
  assert.equal(held.length, 1)
  assert.equal(held[0]!.state, 'held')
  const reader = await swarm.node('reader')
  const plain = `shoal://${replication.cid}?peer=${encodeURIComponent(restarted.addrs()[0]!)}#k=${link.split('#k=')[1]!}`
  const got = await reader.get(plain, { output: await swarm.dir('out'), timeoutMs: GET_TIMEOUT_MS })
  assert.equal(await hashFile(got.path), await hashFile(source))

  // A short lease nobody renews is collected, and its space comes back.
  const shortOwner = await swarm.node('short-owner', { storage: { leaseMs: 2_000 } })
  await shortOwner.connect(volunteers[2]!.addrs()[0]!)
  const other = join(await swarm.dir('source-2'), 'scratch.bin')
  await writeRandomFile(other, 4 * MiB)
  const shortOne = await storageOf(shortOwner).replicate(other, { copies: 1, sameNetworkOk: true })
  const holder = volunteers.find(v => v.peerId === shortOne.replication.holders[0]!.peerId)!
  const heldDir = join(holder.dataDir, 'held', shortOne.replication.cid)
  assert.ok(await allocatedBytes(heldDir) >= 4 * MiB)
  const usedBefore = storageOf(holder).status().usedBytes
  const firstExpiry = shortOne.replication.holders[0]!.expiresAt
  await new Promise(resolve => setTimeout(resolve, 3_000)) // longer than the lease: the running owner renews it
  const renewed = storageOf(holder).status().held.find(h => h.cid === shortOne.replication.cid)
  assert.ok(renewed !== undefined && renewed.expiresAt > firstExpiry, 'a running owner renews its leases before they end')
  await shortOwner.stop()
  await waitFor('the short lease to be collected', async () => storageOf(holder).status().held.every(h => h.cid !== shortOne.replication.cid), 30_000)
  assert.equal(await allocatedBytes(heldDir), 0, 'its files are gone')
  assert.equal(storageOf(holder).status().usedBytes, usedBefore - shortOne.replication.bytes, 'its space is offered again')
  assert.equal(parseLink(link).cid.toString(), replication.cid)
})
