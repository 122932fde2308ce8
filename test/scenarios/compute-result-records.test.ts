/**
 * Agreed results published in the DHT (compute/result-record.ts, published-results.ts): after a
 * quorum the requester puts `/shoal-result/<job>` with the agreeing workers' signatures, and
 * another node running the same job gets the result from that record without anything running,
 * byte-exact. A record signed by keys nobody runs (a Sybil forgery that passes every signature
 * check) is refused, and the job runs on real workers instead.
 */
import { test } from 'node:test'
import { strict as assert } from 'node:assert'
import { createHash, randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { makeJobSpec, jobId } from '../../src/compute/job-spec.js'
import type { RunProgress } from '../../src/compute/progress.js'
import { encodeResultRecord, resultRecordKey, signResult } from '../../src/compute/result-record.js'
import { COMPUTE_SERVICE, type ComputeService } from '../../src/compute/service.js'
import type { ShoalNode } from '../../src/node/node.js'
import type { NodeComponents } from '../../src/node/service.js'
import { TestSwarm } from '../helpers/swarm.js'

const SHA256SUM = fileURLToPath(new URL('../../../examples/jobs/sha256sum.wasm', import.meta.url))
const FORGED = 'bagaaierasords4njcts6vs7qvdjfcvgnume4hqohf65zsfguprqphs3icwea'
const limits = { memoryMiB: 16, timeoutS: 30, outputMiB: 1 }

const compute = (node: ShoalNode): ComputeService => node.service<ComputeService>(COMPUTE_SERVICE)!

test('a second node gets an agreed result from its signed DHT record without running it; a record of unreachable signers is refused', { timeout: 180_000 }, async (t) => {
  const swarm = new TestSwarm()
  t.after(async () => await swarm.cleanup())
  const workers = await Promise.all(['w1', 'w2', 'w3'].map(async n => await swarm.node(n, { compute: { slots: 1 } })))
  const first = await swarm.node('first')
  const second = await swarm.node('second')
  let forger: NodeComponents | undefined
  const hostile = await swarm.node('hostile', { capabilities: [{ name: 'forger', create: c => { forger = c; return { name: 'forger', start: async () => {}, stop: async () => {} } } }] })
  for (const node of [first, hostile]) for (const w of workers) await node.connect(w.addrs()[0]!)
  await second.connect(workers[0]!.addrs()[0]!)
  await hostile.connect(second.addrs()[0]!)
  const served = (): number => workers.reduce((n, w) => n + compute(w).status().served.length, 0)

  const dir = await swarm.dir('job')
  const data = randomBytes(100_000)
  await writeFile(join(dir, 'data.bin'), data)
  const module = await first.share(SHA256SUM)
  const input = await first.share(join(dir, 'data.bin'))
  const sums = `${createHash('sha256').update(data).digest('hex')}  data.bin\n`
  const spec = makeJobSpec({ module: module.cid, inputs: [input.cid], args: ['sha256sum'], limits })

  // The first node runs the job on the quorum and publishes the agreed result.
  const ran = await compute(first).run(spec, { replicas: 3, sameNetworkOk: true })
  assert.equal(ran.agreed, 3)
  assert.equal(ran.cached, false)
  assert.ok((ran.published ?? 0) >= 1, `the record was stored by ${ran.published} peers`)
  assert.equal(served(), 3)

  // Another node, which never saw the run, finds the record, checks the signatures and downloads the result: nothing runs.
  const events: RunProgress[] = []
  const out = await swarm.dir('out-second')
  const again = await compute(second).run(spec, { replicas: 3, sameNetworkOk: true, output: out, onProgress: p => events.push(p) })
  assert.equal(again.cached, true)
  assert.equal(again.source, 'dht')
  assert.equal(again.result, ran.result)
  assert.equal(again.agreed, 3, 'three signers checked')
  assert.deepEqual(again.workers.map(w => w.peerId).sort(), workers.map(w => w.peerId).sort())
  assert.equal(served(), 3, 'no worker ran it again')
  assert.ok(events.some(e => e.event === 'cached' && e.source === 'dht' && e.signers === 3))
  assert.ok(!events.some(e => e.event === 'job-sent'))
  assert.equal(await readFile(join(again.path!, 'SHA256SUMS'), 'utf8'), sums)

  // A forged record: validly signed, by the hostile node and by a key no node runs. It passes the DHT's
  // signature checks, but only one signer can be reached, and a quorum of 3 needs two: refused, and the job runs.
  const other = makeJobSpec({ module: module.cid, inputs: [input.cid], args: ['sha256sum', 'other'], limits })
  const otherJob = (await jobId(other)).toString()
  const sybil = await generateKeyPair('Ed25519')
  const signatures = [
    { worker: hostile.peerId, sig: await signResult(forger!.privateKey, otherJob, FORGED) },
    { worker: peerIdFromPrivateKey(sybil).toString(), sig: await signResult(sybil, otherJob, FORGED) }
  ]
  let stored = 0
  for await (const e of forger!.libp2p.services.dht.put(resultRecordKey(otherJob), encodeResultRecord({ job: otherJob, result: FORGED, signatures }))) if (e.name === 'PEER_RESPONSE') stored++
  assert.ok(stored >= 1, 'honest DHT nodes store a record whose signatures verify')
  const refusedEvents: RunProgress[] = []
  const checked = await compute(second).run(other, { replicas: 3, sameNetworkOk: true, onProgress: p => refusedEvents.push(p) })
  assert.equal(checked.cached, false)
  assert.notEqual(checked.result, FORGED)
  assert.equal(checked.result, ran.result, 'the same output as the first job')
  assert.equal(served(), 6, 'the job ran on the workers')
  const refused = refusedEvents.find(e => e.event === 'record-refused')
  assert.ok(refused !== undefined && /1 of its 2 signers count/.test(refused.reason), JSON.stringify(refusedEvents))
})
