/**
 * Processing sharing's costs, on loopback: three `shoal daemon --offer-compute 1` workers (their
 * own processes) and a requester node in this process.
 * - Overhead per job: time from `run()` to the agreed result (replicas 1 and 3, no cache, no
 *   download) against running the same module on the same input locally (the same sandbox
 *   process, run-job.ts), and the whole `shoal run` command; ratios of the same run.
 * - map placement: a 20-file dataset held by the workers (jobs run where the data is) against the
 *   same dataset held by the requester only (every worker fetches it): bytes moved and time.
 * - A worker's own traffic while it computes: a 32 MiB `get` from a worker, idle and while it runs a
 *   CPU-bound job, as MB/s and their ratio.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { measure, median, startBackground, type Background } from '../lib/proc.js'
import { ROOT, SHOAL_BIN, nodeArgs } from '../lib/shoal-cli.js'
import { createNode, type ShoalNode } from '../../src/node/node.js'
import { COMPUTE_SERVICE, type ComputeService } from '../../src/compute/service.js'
import { makeJobSpec } from '../../src/compute/job-spec.js'
import { runJob } from '../../src/compute/sandbox/run-job.js'
import { formatLink } from '../../src/content/link.js'
import { CID } from 'multiformats/cid'
import { multiaddr } from '@multiformats/multiaddr'

export interface ComputeBenchResult {
  inputBytes: number
  /** Median ms: the module run locally in the sandbox; run() to an agreed result with 1 and 3 replicas; the whole `shoal run` command (3 replicas). */
  localMs: number
  run1Ms: number
  run3Ms: number
  commandMs: number
  run1Ratio: number
  run3Ratio: number
  map: { files: number, fileBytes: number, localMs: number, localMovedBytes: number, remoteMs: number, remoteMovedBytes: number }
  /** `overlapped`: busy rounds whose get ended before the job did (the others do not count as busy). */
  get: { bytes: number, idleMBps: number, busyMBps: number, ratio: number, spinJobMs: number, overlapped: number, rounds: number }
}

const limits = { memoryMiB: 64, timeoutS: 60, outputMiB: 4 }
const MiB = 2 ** 20

/** A CPU-bound job: counts to 2^32 - 1 (several seconds), then writes the count. */
async function spinModule (): Promise<Uint8Array> {
  const wabt = await ((await import('wabt' as string)).default as () => Promise<any>)()
  return wabt.parseWat('spin.wat', `(module
    (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (data (i32.const 0) "spin")
    (func (export "_start") (local $i i32)
      (loop (local.set $i (i32.add (local.get $i) (i32.const 1))) (br_if 0 (i32.lt_u (local.get $i) (i32.const -1))))
      (i32.store (i32.const 64) (local.get $i))
      (drop (call $open (i32.const 4) (i32.const 0) (i32.const 0) (i32.const 4) (i32.const 9) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 32)))
      (i32.store (i32.const 40) (i32.const 64)) (i32.store (i32.const 44) (i32.const 4))
      (drop (call $write (i32.load (i32.const 32)) (i32.const 40) (i32.const 1) (i32.const 48)))))`).toBinary({}).buffer
}

interface WorkerDaemon { proc: Background, peerId: string, addr: string, api: string, token: string }

async function startWorker (dir: string): Promise<WorkerDaemon> {
  const dataDir = join(dir, 'data')
  const proc = startBackground(process.execPath, [SHOAL_BIN, 'daemon', '--offer-compute', '1', '--api', '127.0.0.1:0', ...nodeArgs(dataDir)], /"event":"api"/)
  const event = JSON.parse(await proc.firstLine) as { api: string, peerId: string, addrs: string[] }
  return { proc, peerId: event.peerId, addr: event.addrs[0]!, api: event.api, token: (await readFile(join(dataDir, 'api-token'), 'utf8')).trim() }
}

async function shareOn (w: WorkerDaemon, path: string): Promise<string> {
  const r = await fetch(`${w.api}/api/v1/shares`, { method: 'POST', headers: { authorization: `Bearer ${w.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ path }) })
  if (!r.ok) throw new Error(`share on worker: ${r.status} ${await r.text()}`)
  return String((await r.json() as { cid: string }).cid)
}

export async function computeBench (options: { quick: boolean }): Promise<ComputeBenchResult> {
  const rounds = options.quick ? 3 : 7
  const dir = await mkdtemp(join(tmpdir(), 'shoal-bench-compute-'))
  const workers: WorkerDaemon[] = []
  let requester: ShoalNode | undefined
  try {
    for (let i = 0; i < 3; i++) workers.push(await startWorker(join(dir, `w${i}`)))
    requester = await createNode({ dataDir: join(dir, 'requester'), listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, compute: {} })
    for (const w of workers) await requester.connect(w.addr)
    const compute = requester.service<ComputeService>(COMPUTE_SERVICE)!
    const sha256sum = join(ROOT, 'examples', 'jobs', 'sha256sum.wasm')
    const module = (await requester.share(sha256sum)).cid

    // Overhead per job: a 4 MiB input every worker holds.
    const inputBytes = (options.quick ? 1 : 4) * MiB
    const inputDir = join(dir, 'input')
    await mkdir(inputDir)
    const input = randomBytes(inputBytes)
    await writeFile(join(inputDir, 'data.bin'), input)
    let inputCid = ''
    for (const w of workers) inputCid = await shareOn(w, join(inputDir, 'data.bin'))
    const moduleBytes = new Uint8Array(await readFile(sha256sum))
    const local: number[] = []
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now()
      await runJob({ module: moduleBytes, seed: `bench-${i}`, args: ['sha256sum'], env: {}, inputs: [[['data.bin', input]]], limits })
      local.push(performance.now() - t0)
    }
    const timed = async (replicas: number, tag: string): Promise<number[]> => {
      const out: number[] = []
      for (let i = 0; i < rounds; i++) {
        const spec = makeJobSpec({ module, inputs: [inputCid], args: ['sha256sum', `${tag}-${i}`], limits })
        const t0 = performance.now()
        await compute.run(spec, { replicas, sameNetworkOk: true, noCache: true, candidates: workers.map(w => w.peerId) })
        out.push(performance.now() - t0)
      }
      return out
    }
    const run1 = await timed(1, 'one')
    const run3 = await timed(3, 'three')
    const command: number[] = []
    for (let i = 0; i < Math.min(rounds, 3); i++) {
      const m = await measure(process.execPath, [SHOAL_BIN, 'run', sha256sum, '--input', inputCid, '--arg', `cmd-${i}`, '--replicas', '3', '--same-network-ok', '--memory', '64M', '--no-cache', ...nodeArgs(join(dir, `cmd-${i}`)), ...workers.flatMap(w => ['--bootstrap', w.addr])])
      if (m.code !== 0) throw new Error(`shoal run exited ${m.code}: ${m.stdout}`)
      command.push(m.wallSeconds * 1000)
    }

    // map: the same 20 files held by the workers, or by the requester only.
    const files = 20
    const fileBytes = (options.quick ? 64 : 256) * 1024
    const mapAt = async (name: string): Promise<string> => {
      const folder = join(dir, name, 'dataset')
      await mkdir(folder, { recursive: true })
      for (let i = 0; i < files; i++) await writeFile(join(folder, `f${String(i).padStart(2, '0')}.bin`), randomBytes(fileBytes))
      return folder
    }
    const heldByWorkers = await mapAt('held')
    let heldCid = ''
    for (const w of workers) heldCid = await shareOn(w, heldByWorkers)
    const remoteCid = (await requester.share(await mapAt('remote'))).cid
    const mapped = async (cid: string, tag: string): Promise<{ ms: number, moved: number }> => {
      const t0 = performance.now()
      const link = cid === remoteCid ? formatLink({ cid: CID.parse(cid), peers: requester!.addrs().slice(0, 1).map(a => multiaddr(a)) }) : cid
      const r = await compute.map({ module, args: ['sha256sum', tag] }, link, { replicas: 1, output: join(dir, `map-${tag}`), sameNetworkOk: true, noCache: true })
      if (r.failed > 0) throw new Error(`map ${tag}: ${r.failed} failed: ${JSON.stringify(r.results.find(x => x.error !== undefined)?.error)}`)
      return { ms: performance.now() - t0, moved: r.movedBytes }
    }
    const localMap = await mapped(heldCid, 'local')
    const remoteMap = await mapped(remoteCid, 'remote')

    // A worker's own uploads while it computes: get 32 MiB from worker 0, idle, then during a CPU-bound job.
    const getBytes = (options.quick ? 16 : 32) * MiB
    const bigDir = join(dir, 'big')
    await mkdir(bigDir)
    await writeFile(join(bigDir, 'big.bin'), randomBytes(getBytes))
    const bigCid = await shareOn(workers[0]!, join(bigDir, 'big.bin'))
    const bigLink = formatLink({ cid: CID.parse(bigCid), peers: [multiaddr(workers[0]!.addr)] })
    const getOnce = async (tag: string): Promise<number> => {
      const t0 = performance.now()
      const got = await requester!.get(bigLink, { output: join(dir, `got-${tag}`), avoid: workers.slice(1).map(w => w.peerId) })
      const mbps = got.bytes / 1e6 / ((performance.now() - t0) / 1000)
      await requester!.removeContent(bigCid)
      await rm(join(dir, `got-${tag}`), { recursive: true, force: true })
      return mbps
    }
    const spinPath = join(dir, 'spin.wasm')
    await writeFile(spinPath, await spinModule())
    const spin = (await requester.share(spinPath)).cid
    await getOnce('warm-up')
    // Idle and busy rounds alternate, so drift in the machine's load hits both alike.
    const idle: number[] = []
    const busy: number[] = []
    let spinJobMs = 0
    let overlapped = 0
    for (let i = 0; i < rounds; i++) {
      idle.push(await getOnce(`idle-${i}`))
      const t0 = performance.now()
      let ended = false
      const job = compute.run(makeJobSpec({ module: spin, args: ['spin', String(i)], limits }), { replicas: 1, workers: [workers[0]!.peerId], noCache: true }).finally(() => { ended = true })
      await new Promise(resolve => setTimeout(resolve, 700)) // the job has reached the worker's sandbox
      busy.push(await getOnce(`busy-${i}`))
      if (!ended) overlapped++
      await job
      spinJobMs = performance.now() - t0
    }
    const localMs = median(local)
    return {
      inputBytes,
      localMs,
      run1Ms: median(run1),
      run3Ms: median(run3),
      commandMs: median(command),
      run1Ratio: median(run1) / localMs,
      run3Ratio: median(run3) / localMs,
      map: { files, fileBytes, localMs: localMap.ms, localMovedBytes: localMap.moved, remoteMs: remoteMap.ms, remoteMovedBytes: remoteMap.moved },
      get: { bytes: getBytes, idleMBps: median(idle), busyMBps: median(busy), ratio: median(busy) / median(idle), spinJobMs, overlapped, rounds }
    }
  } finally {
    await requester?.stop().catch(() => {})
    for (const w of workers) await w.proc.stop().catch(() => {})
    await rm(dir, { recursive: true, force: true }).catch(() => {})
  }
}
