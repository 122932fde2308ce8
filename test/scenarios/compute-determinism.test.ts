/**
 * Determinism (real nodes, a WAT fixture): a job that prints the wall clock, the monotonic clock,
 * random bytes, its environment and arguments gives one result CID on every worker, 20 runs over
 * four workers. Workers whose randomness is not seeded by the job (as a sandbox with real entropy
 * would be) disagree, and the run ends NO_QUORUM, never with one of their answers. And a job's
 * input fetched by the workers while another node downloads the same content: both are whole.
 */
import { test } from 'node:test'
import { strict as assert } from 'node:assert'
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Capability, NodeComponents } from '../../src/node/service.js'
import { COMPUTE_PROTOCOL } from '../../src/compute/constants.js'
import { commitmentOf, randomNonce } from '../../src/compute/commitment.js'
import { JobInputs } from '../../src/compute/job-inputs.js'
import { FrameReader } from '../../src/compute/job-stream.js'
import { jobId, makeJobSpec } from '../../src/compute/job-spec.js'
import { decodeComputeRequest, encodeComputeFrame } from '../../src/compute/messages.js'
import { signResult } from '../../src/compute/result-record.js'
import { runJob } from '../../src/compute/sandbox/run-job.js'
import { COMPUTE_SERVICE, type ComputeService } from '../../src/compute/service.js'
import { hashFile, linkVia, MiB, TestSwarm } from '../helpers/swarm.js'

const wabtInit = (await import('wabt' as string)).default as () => Promise<{ parseWat: (name: string, text: string) => { toBinary: (o: object) => { buffer: Uint8Array } } }>
const wabt = await wabtInit()
const SHA256SUM = fileURLToPath(new URL('../../../examples/jobs/sha256sum.wasm', import.meta.url))
const limits = { memoryMiB: 16, timeoutS: 30, outputMiB: 1 }

/** Writes /out/report: wall clock, two monotonic readings, 32 random bytes, then its environment and arguments. */
const REPORT = wabt.parseWat('report.wat', `(module
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $env_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $env_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $arg_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $arg_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 200) "report")
  (func (export "_start")
    (drop (call $clock (i32.const 0) (i64.const 1) (i32.const 100)))
    (drop (call $clock (i32.const 1) (i64.const 1) (i32.const 108)))
    (drop (call $clock (i32.const 1) (i64.const 1) (i32.const 116)))
    (drop (call $random (i32.const 124) (i32.const 32)))
    (drop (call $env_sizes (i32.const 0) (i32.const 4)))
    (drop (call $env_get (i32.const 1024) (i32.const 8192)))
    (drop (call $arg_sizes (i32.const 8) (i32.const 12)))
    (drop (call $arg_get (i32.const 4096) (i32.const 16384)))
    (drop (call $open (i32.const 4) (i32.const 0) (i32.const 200) (i32.const 6) (i32.const 9) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 20)))
    (i32.store (i32.const 300) (i32.const 100)) (i32.store (i32.const 304) (i32.const 56))
    (i32.store (i32.const 308) (i32.const 8192)) (i32.store (i32.const 312) (i32.load (i32.const 4)))
    (i32.store (i32.const 316) (i32.const 16384)) (i32.store (i32.const 320) (i32.load (i32.const 12)))
    (drop (call $write (i32.load (i32.const 20)) (i32.const 300) (i32.const 3) (i32.const 24)))))`).toBinary({}).buffer

/** A worker that follows the protocol honestly but seeds the module's randomness with its own peer ID, not the job's. */
function unseededWorker (): Capability {
  return {
    name: 'unseeded',
    create: (c: NodeComponents) => ({
      name: 'unseeded',
      start: async () => {
        await c.libp2p.handle(COMPUTE_PROTOCOL, (stream) => {
          void (async () => {
            const reader = new FrameReader(stream)
            const request = decodeComputeRequest(await reader.next(AbortSignal.timeout(30_000)))
            if (request.type !== 'job') throw new Error('no job')
            const job = (await jobId(request.spec)).toString()
            const inputs = new JobInputs(c, request.origins, AbortSignal.timeout(60_000))
            const module = (await inputs.tree(request.spec.module)).tree[0]![1]
            const output = await runJob({ module, seed: c.peerId, args: request.spec.args, env: request.spec.env, inputs: [], limits: request.spec.limits })
            await inputs.close()
            const dir = join(c.dataDir, 'unseeded', job, 'out')
            for (const [path, bytes] of output.files) {
              await mkdir(dirname(join(dir, path)), { recursive: true })
              await writeFile(join(dir, path), bytes)
            }
            const result = (await c.content.share(dir)).cid
            const nonce = randomNonce()
            stream.send(encodeComputeFrame({ type: 'commit', job, commitment: await commitmentOf(job, result, c.peerId, nonce) }))
            await reader.next(AbortSignal.timeout(30_000))
            stream.send(encodeComputeFrame({ type: 'revealed', result, nonce, moved: 0, signature: await signResult(c.privateKey, job, result) }))
            await stream.close()
          })().catch(() => stream.abort(new Error('unseeded worker failed')))
        })
      },
      stop: async () => {}
    })
  }
}

test('a job reading clocks, randomness and its environment gives one result CID on every worker, 20 runs', { timeout: 180_000 }, async (t) => {
  const swarm = new TestSwarm()
  t.after(async () => await swarm.cleanup())
  const workers = await Promise.all(['d1', 'd2', 'd3', 'd4'].map(async n => await swarm.node(n, { compute: { slots: 1 } })))
  const requester = await swarm.node('requester')
  for (const w of workers) await requester.connect(w.addrs()[0]!)
  const dir = await swarm.dir('module')
  await writeFile(join(dir, 'report.wasm'), REPORT)
  const module = await requester.share(join(dir, 'report.wasm'))
  const compute = requester.service<ComputeService>(COMPUTE_SERVICE)!
  const ids = workers.map(w => w.peerId).sort()
  const results = new Set<string>()
  for (let i = 0; i < 5; i++) {
    const spec = makeJobSpec({ module: module.cid, args: ['report', `run-${i}`], env: { LANG: 'C', RUN: String(i) }, limits })
    const out = await swarm.dir(`out-${i}`)
    const r = await compute.run(spec, { replicas: 4, sameNetworkOk: true, noCache: true, output: out })
    assert.equal(r.agreed, 4, `run ${i}: all four workers gave one result CID`)
    assert.equal(r.of, 4)
    assert.deepEqual(r.workers.map(w => w.peerId).sort(), ids)
    results.add(r.result)
    const report = await readFile(join(r.path!, 'report'))
    assert.equal(report.readBigUInt64LE(0), 946_684_800_000_000_000n, 'the wall clock is the fixed epoch')
    assert.ok(report.readBigUInt64LE(16) > report.readBigUInt64LE(8), 'the monotonic clock steps')
    assert.match(report.subarray(56).toString('latin1'), new RegExp(`LANG=C\\0RUN=${i}\\0report\\0run-${i}\\0$`))
  }
  assert.equal(results.size, 5, 'other arguments, other results')
  assert.equal(workers.reduce((n, w) => n + w.service<ComputeService>(COMPUTE_SERVICE)!.status().served.length, 0), 20)
})

test('workers whose randomness is not seeded by the job disagree: NO_QUORUM, never one of their answers', { timeout: 120_000 }, async (t) => {
  const swarm = new TestSwarm()
  t.after(async () => await swarm.cleanup())
  const workers = await Promise.all(['u1', 'u2', 'u3'].map(async n => await swarm.node(n, { capabilities: [unseededWorker()] })))
  const requester = await swarm.node('requester')
  for (const w of workers) await requester.connect(w.addrs()[0]!)
  const dir = await swarm.dir('module')
  await writeFile(join(dir, 'report.wasm'), REPORT)
  const module = await requester.share(join(dir, 'report.wasm'))
  const spec = makeJobSpec({ module: module.cid, args: ['report'], limits })
  await assert.rejects(requester.service<ComputeService>(COMPUTE_SERVICE)!.run(spec, { replicas: 3, workers: workers.map(w => w.peerId), sameNetworkOk: true }),
    { code: 'NO_QUORUM', message: /no strict majority of 3 results from 3 workers \(3 different\)/ })
})

test('workers fetch a job\'s input while another node downloads the same content: both get every byte', { timeout: 180_000 }, async (t) => {
  const swarm = new TestSwarm()
  t.after(async () => await swarm.cleanup())
  const workers = await Promise.all(['f1', 'f2'].map(async n => await swarm.node(n, { compute: { slots: 1 } })))
  const requester = await swarm.node('requester')
  const getter = await swarm.node('getter')
  for (const a of [...workers, requester, getter]) for (const b of [...workers, requester, getter]) if (a.peerId < b.peerId) await a.connect(b.addrs()[0]!)
  const data = randomBytes(6 * MiB)
  const dir = await swarm.dir('input')
  await writeFile(join(dir, 'big.bin'), data)
  const input = await requester.share(join(dir, 'big.bin'))
  const module = await requester.share(SHA256SUM)
  const spec = makeJobSpec({ module: module.cid, inputs: [input.cid], args: ['sha256sum'], limits })
  const [ran, got] = await Promise.all([
    requester.service<ComputeService>(COMPUTE_SERVICE)!.run(spec, { replicas: 2, sameNetworkOk: true, output: await swarm.dir('out') }),
    getter.get(linkVia(input.cid, [requester]), { output: await swarm.dir('got') })
  ])
  const digest = createHash('sha256').update(data).digest('hex')
  assert.equal(ran.agreed, 2)
  assert.equal(await readFile(join(ran.path!, 'SHA256SUMS'), 'utf8'), `${digest}  big.bin\n`)
  assert.equal(await hashFile(got.path), digest, 'the concurrent get is whole')
  assert.equal(got.bytes, data.byteLength)
  const served = workers.flatMap(w => w.service<ComputeService>(COMPUTE_SERVICE)!.status().served)
  assert.ok(served.every(s => s.inputMovedBytes >= data.byteLength), 'the workers fetched the input')
})
