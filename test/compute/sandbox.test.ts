import { test } from 'node:test'
import { strict as assert } from 'node:assert'
import { runJob, type RunInput } from '../../src/compute/sandbox/run-job.js'
import { makeJobSpec, jobId, encodeJobSpec, decodeJobSpec } from '../../src/compute/job-spec.js'

const wabtInit = (await import('wabt' as string)).default as () => Promise<{ parseWat: (name: string, text: string) => { toBinary: (o: object) => { buffer: Uint8Array } } }>
const wabt = await wabtInit()
const wat = (text: string): Uint8Array => wabt.parseWat('t.wat', text).toBinary({}).buffer

const WASI = `
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))`

/** Opens /out/<name> (fd 4 is the /out preopen), writes 24 bytes from 100 (clock + random), returns path_open's errno. */
const writer = (extra: string): Uint8Array => wat(`(module ${WASI}
  (memory (export "memory") 1)
  (data (i32.const 0) "result.bin")
  (data (i32.const 32) "../../etc/passwd")
  (func (export "_start")
    (drop (call $clock (i32.const 0) (i64.const 0) (i32.const 100)))
    (drop (call $random (i32.const 108) (i32.const 16)))
    ${extra}
    (if (call $path_open (i32.const 4) (i32.const 0) (i32.const 0) (i32.const 10) (i32.const 1) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 200))
      (then (call $exit (i32.const 3))))
    (i32.store (i32.const 300) (i32.const 100))
    (i32.store (i32.const 304) (i32.const 24))
    (drop (call $fd_write (i32.load (i32.const 200)) (i32.const 300) (i32.const 1) (i32.const 400)))))`)

const limits = { memoryMiB: 16, timeoutS: 20, outputMiB: 1 }
const job = (module: Uint8Array, over: Partial<RunInput> = {}): RunInput => ({ module, seed: 'job-a', args: [], env: {}, inputs: [], limits, ...over })

test('a job writes under /out with a fixed clock and seeded randomness: the same bytes on every run', async () => {
  const a = await runJob(job(writer('')))
  const b = await runJob(job(writer('')))
  assert.equal(a.files.length, 1)
  assert.equal(a.files[0]?.[0], 'result.bin')
  assert.deepEqual(a.files, b.files)
  const other = await runJob(job(writer(''), { seed: 'job-b' }))
  assert.notDeepEqual(other.files[0]?.[1], a.files[0]?.[1], 'another seed gives other random bytes')
})

test('opening a host path fails inside the module', async () => {
  // path_open of ../../etc/passwd from /out: the module exits 9 if it succeeds, so a written result shows it failed.
  const module = writer(`(if (i32.eqz (call $path_open (i32.const 4) (i32.const 0) (i32.const 32) (i32.const 16) (i32.const 0) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 200))) (then (call $exit (i32.const 9))))`)
  const result = await runJob(job(module))
  assert.equal(result.files.length, 1)
})

test('an infinite loop ends with JOB_TIMEOUT', async () => {
  const module = wat(`(module (memory (export "memory") 1) (func (export "_start") (loop br 0)))`)
  await assert.rejects(runJob(job(module, { limits: { ...limits, timeoutS: 1 } })), { code: 'JOB_TIMEOUT' })
})

test('growing memory past the cap is JOB_MEMORY', async () => {
  const module = wat(`(module (memory (export "memory") 1)
    (func (export "_start") (loop (br_if 0 (i32.ne (memory.grow (i32.const 16)) (i32.const -1)))) unreachable))`)
  await assert.rejects(runJob(job(module)), { code: 'JOB_MEMORY' })
})

test('a module importing anything but WASI preview 1, or shared memory, is JOB_REJECTED', async () => {
  const env = wat(`(module (import "env" "anything" (func)) (memory (export "memory") 1) (func (export "_start")))`)
  await assert.rejects(runJob(job(env)), { code: 'JOB_REJECTED' })
  const shared = wat(`(module (memory (export "memory") 1 2 shared) (func (export "_start")))`)
  await assert.rejects(runJob(job(shared)), { code: 'JOB_REJECTED' })
})

test('a non-zero exit is JOB_FAILED', async () => {
  const module = wat(`(module ${WASI} (memory (export "memory") 1) (func (export "_start") (call $exit (i32.const 2))))`)
  await assert.rejects(runJob(job(module)), { code: 'JOB_FAILED' })
})

test('the job ID is the CID of the canonical spec', async () => {
  const cid = 'bagaaierasords4njcts6vs7qvdjfcvgnume4hqohf65zsfguprqphs3icwea'
  const spec = makeJobSpec({ module: cid, env: { B: '2', A: '1' } })
  const bytes = encodeJobSpec(spec)
  assert.deepEqual(decodeJobSpec(bytes), spec)
  assert.equal((await jobId(spec)).toString(), (await jobId(decodeJobSpec(bytes))).toString())
  assert.throws(() => decodeJobSpec(new TextEncoder().encode(JSON.stringify(spec, null, 1))), { code: 'BAD_ARGUMENT' })
})
