/**
 * Processing sharing end to end (real nodes, a WAT fixture): workers run a job next to the data and
 * a strict majority agrees on its result CID after commit-reveal; the result downloaded equals a
 * local reference run. A hostile worker (a node speaking docs/protocol.md with a forged result) is
 * outvoted and faulted, banned after a second lie, and with --replicas 2 its disagreement forces a
 * third run. An agreed job is answered from the cache, nothing run.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import type { Capability, NodeComponents } from '../../src/node/service.js'
import { COMPUTE_PROTOCOL } from '../../src/compute/constants.js'
import { commitmentOf, randomNonce } from '../../src/compute/commitment.js'
import { FrameReader } from '../../src/compute/job-stream.js'
import { jobId, makeJobSpec } from '../../src/compute/job-spec.js'
import { decodeComputeRequest, encodeComputeFrame } from '../../src/compute/messages.js'
import { runJob } from '../../src/compute/sandbox/run-job.js'
import { COMPUTE_SERVICE, type ComputeService } from '../../src/compute/service.js'
import { TestSwarm } from '../helpers/swarm.js'

const wabtInit = (await import('wabt' as string)).default as () => Promise<{ parseWat: (name: string, text: string) => { toBinary: (o: object) => { buffer: Uint8Array } } }>
const wabt = await wabtInit()

/** Copies /in/0/data.txt (up to 60000 bytes) to /out/copy.txt. */
const COPY = wabt.parseWat('copy.wat', `(module
  (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 2)
  (data (i32.const 0) "0/data.txt")
  (data (i32.const 16) "copy.txt")
  (func (export "_start")
    (if (call $open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 10) (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 32)) (then (call $exit (i32.const 2))))
    (i32.store (i32.const 40) (i32.const 1024))
    (i32.store (i32.const 44) (i32.const 60000))
    (if (call $read (i32.load (i32.const 32)) (i32.const 40) (i32.const 1) (i32.const 48)) (then (call $exit (i32.const 3))))
    (if (call $open (i32.const 4) (i32.const 0) (i32.const 16) (i32.const 8) (i32.const 1) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 36)) (then (call $exit (i32.const 4))))
    (i32.store (i32.const 56) (i32.const 1024))
    (i32.store (i32.const 60) (i32.load (i32.const 48)))
    (if (call $write (i32.load (i32.const 36)) (i32.const 56) (i32.const 1) (i32.const 64)) (then (call $exit (i32.const 5))))))`).toBinary({}).buffer

const FORGED = 'bagaaierasords4njcts6vs7qvdjfcvgnume4hqohf65zsfguprqphs3icwea'

/** A worker that follows the protocol but always commits to and reveals a forged result. */
function liar (log: string[]): Capability {
  return {
    name: 'liar',
    create: (c: NodeComponents) => ({
      name: 'liar',
      start: async () => {
        await c.libp2p.handle(COMPUTE_PROTOCOL, (stream) => {
          void (async () => {
            const reader = new FrameReader(stream)
            const request = decodeComputeRequest(await reader.next(AbortSignal.timeout(30_000)))
            if (request.type !== 'job') return stream.abort(new Error('no job'))
            const job = (await jobId(request.spec)).toString()
            log.push(job)
            const nonce = randomNonce()
            stream.send(encodeComputeFrame({ type: 'commit', job, commitment: await commitmentOf(job, FORGED, c.peerId, nonce) }))
            await reader.next(AbortSignal.timeout(30_000))
            stream.send(encodeComputeFrame({ type: 'revealed', result: FORGED, nonce }))
            await stream.close()
          })().catch(() => stream.abort(new Error('liar failed')))
        })
      },
      stop: async () => {}
    })
  }
}

test('workers agree on a job\'s result by quorum; a forged result is outvoted, forces a third run, and its worker is banned', { timeout: 180_000 }, async (t) => {
  const swarm = new TestSwarm()
  t.after(async () => await swarm.cleanup())
  const liarLog: string[] = []
  const workers = [await swarm.node('w1', { compute: { slots: 1 } }), await swarm.node('w2', { compute: { slots: 1 } }), await swarm.node('w3', { compute: { slots: 1 } })]
  const bad = await swarm.node('liar', { capabilities: [liar(liarLog)] })
  const requester = await swarm.node('requester', { compute: {} })
  for (const peer of [...workers, bad]) await requester.connect(peer.addrs()[0]!)
  const dir = await swarm.dir('job')
  await writeFile(join(dir, 'copy.wasm'), COPY)
  const data = randomBytes(40_000).toString('base64').slice(0, 50_000)
  await writeFile(join(dir, 'data.txt'), data)
  const module = await requester.share(join(dir, 'copy.wasm'))
  const input = await requester.share(join(dir, 'data.txt'))
  const compute = requester.service<ComputeService>(COMPUTE_SERVICE)!
  const limits = { memoryMiB: 16, timeoutS: 30, outputMiB: 1 }

  // Three replicas, the liar among them: 2 honest workers outvote it.
  const spec = makeJobSpec({ module: module.cid, inputs: [input.cid], args: ['copy', 'a'], limits })
  const out = await swarm.dir('out')
  const first = await compute.run(spec, { replicas: 3, workers: [bad.peerId, ...workers.map(w => w.peerId)], sameNetworkOk: true, output: out })
  assert.equal(liarLog.length, 1, 'the liar was asked')
  assert.equal(first.agreed, 2)
  assert.equal(first.of, 3)
  assert.notEqual(first.result, FORGED)
  assert.deepEqual(first.dissenters, [bad.peerId])
  assert.equal(first.cached, false)
  const reference = await runJob({ module: COPY, seed: (await jobId(spec)).toString(), args: spec.args, env: {}, inputs: [[['data.txt', new TextEncoder().encode(data)]]], limits })
  assert.deepEqual(reference.files.map(f => f[0]), ['copy.txt'])
  assert.equal(await readFile(join(first.path!, 'copy.txt'), 'utf8'), data, 'the agreed result holds the input\'s bytes')
  assert.deepEqual(new Uint8Array(await readFile(join(first.path!, 'copy.txt'))), reference.files[0]![1], 'equal to a local reference run')
  assert.equal(requester.bannedPeers().includes(bad.peerId), false, 'one lie scores down, does not ban')

  // The same job again: the agreed result from the cache, no worker asked.
  const again = await compute.run(spec, { replicas: 3, workers: [bad.peerId, ...workers.map(w => w.peerId)], sameNetworkOk: true })
  assert.equal(again.cached, true)
  assert.equal(again.result, first.result)
  assert.equal(liarLog.length, 1, 'nothing was run again')

  // Two replicas, liar first: 1:1 is a split, so a third worker runs and the majority wins; the second lie bans the liar.
  const second = makeJobSpec({ module: module.cid, inputs: [input.cid], args: ['copy', 'b'], limits })
  const split = await compute.run(second, { replicas: 2, workers: [bad.peerId, workers[0]!.peerId, workers[1]!.peerId], sameNetworkOk: true })
  assert.equal(liarLog.length, 2)
  assert.equal(split.agreed, 2)
  assert.equal(split.of, 3, 'the split forced a third run')
  assert.deepEqual(split.dissenters, [bad.peerId])
  assert.ok(requester.bannedPeers().includes(bad.peerId), 'two lies ban the liar')

  // A module that exits non-zero on every worker (no /in/0/data.txt): JOB_FAILED, no result.
  const failing = makeJobSpec({ module: module.cid, inputs: [module.cid], args: ['copy', 'c'], limits })
  await assert.rejects(compute.run(failing, { replicas: 3, workers: workers.map(w => w.peerId), sameNetworkOk: true }), { code: 'JOB_FAILED', message: /exited with code 2/ })
})

