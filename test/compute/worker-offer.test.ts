/**
 * Workers: a node with `compute.slots` admits jobs within its caps, one per slot, and is found by
 * requesters through the DHT offer key alone; a node that offers no compute is not found.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { Admissions } from '../../src/compute/admission.js'
import { COMPUTE_SERVICE, type ComputeService } from '../../src/compute/service.js'
import { computeOfferKey } from '../../src/compute/workers.js'
import { dhtProviders, TestSwarm, waitFor } from '../helpers/swarm.js'

test('a worker admits jobs within its caps, one per slot, and frees a slot once', () => {
  const admissions = new Admissions({ slots: 2, maxMemoryMiB: 64, maxTimeoutS: 10, maxOutputMiB: 8 })
  const fits = { memoryMiB: 64, timeoutS: 10, outputMiB: 8 }
  for (const over of [{ ...fits, memoryMiB: 65 }, { ...fits, timeoutS: 11 }, { ...fits, outputMiB: 9 }]) {
    const refused = admissions.admit(over)
    assert.equal(refused.ok, false)
    assert.equal(!refused.ok && refused.reason, 'over-limits')
  }
  const a = admissions.admit(fits)
  const b = admissions.admit(fits)
  assert.ok(a.ok && b.ok)
  const full = admissions.admit(fits)
  assert.equal(!full.ok && full.reason, 'busy')
  if (a.ok) { a.release(); a.release() }
  assert.equal(admissions.busySlots, 1, 'a second release frees nothing')
  assert.ok(admissions.admit(fits).ok)
  assert.equal(admissions.admit(fits).ok, false)
})

test('requesters find workers through the DHT offer key alone, and only workers', { timeout: 120_000 }, async (t) => {
  const swarm = new TestSwarm()
  t.after(async () => await swarm.cleanup())
  const c = await swarm.node('c')
  const bootstrap = c.addrs()
  const workers = [await swarm.node('w1', { bootstrap, compute: { slots: 1 } }), await swarm.node('w2', { bootstrap, compute: { slots: 2, maxMemoryMiB: 64 } })]
  const plain = await swarm.node('plain', { bootstrap, compute: {} })
  assert.deepEqual(workers[1]!.service<ComputeService>(COMPUTE_SERVICE)!.status().limits?.maxMemoryMiB, 64)
  assert.equal(plain.service<ComputeService>(COMPUTE_SERVICE)!.status().worker, false)
  const key = (await computeOfferKey()).toString()
  await waitFor('both workers to provide the compute offer key', async () => {
    const found = await dhtProviders(c, key, 2_000).catch((): string[] => [])
    return workers.every(w => found.includes(w.peerId))
  }, 60_000)
  const requester = await swarm.node('requester', { bootstrap, compute: {} })
  await waitFor('the requester to join through C', () => requester.connectedPeers().includes(c.peerId))
  const found = await requester.service<ComputeService>(COMPUTE_SERVICE)!.findWorkers({ searchMs: 15_000 })
  assert.deepEqual(new Set(found), new Set(workers.map(w => w.peerId)), 'both workers are found, the plain node is not')
})
