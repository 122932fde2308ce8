/**
 * `shoal map`: one job per file of a shared content, each with that file as its only input
 * (`<cid>/<path>`, mounted at `/in/0/<path>`), run by quorum like `run`. Jobs go first to workers
 * that already hold the content (DHT providers of its CID), so its bytes do not move; each job
 * takes `replicas` idle workers, so jobs spread over the workers instead of queueing on one. Every
 * agreed result is downloaded to `<output>/<file path>/` (the job's /out tree); results already
 * agreed come from the cache. One file's failure does not stop the others.
 */
import { mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { CID } from 'multiformats/cid'
import type { Manifest } from '../content/manifest.js'
import { parseLink } from '../content/link.js'
import type { NodeComponents } from '../node/service.js'
import { ErrorCode, ShoalError } from '../errors.js'
import { DEFAULT_REPLICAS, JobError, MAP_HOLDER_SEARCH_MS, MAP_STAGING_DIR, MAX_MAP_CONCURRENCY, MAX_MAP_FILES } from './constants.js'
import { makeJobSpec, type JobLimits } from './job-spec.js'
import type { RunOptions, RunResult } from './service.js'

export interface MapJob {
  module: string
  args?: string[]
  env?: Record<string, string>
  limits?: Partial<JobLimits>
}

export interface MapOptions {
  replicas?: number
  /** Folder the results go into, one entry per input file. */
  output: string
  sameNetworkOk?: boolean
  noCache?: boolean
  /** Place jobs on workers holding the dataset first (default true); false: any idle worker, as if none held it. */
  locality?: boolean
  signal?: AbortSignal
  /** Each file's outcome as it ends. */
  onFile?: (outcome: MapFileOutcome, done: MapTotals) => void
  /** Once the files are known, before any job runs. */
  onStart?: (totals: MapTotals) => void
}

export interface MapFileOutcome {
  path: string
  size: number
  job?: string
  result?: string
  agreed?: number
  of?: number
  workers?: string[]
  cached?: boolean
  /** Input bytes the agreeing workers fetched for this file (0: they ran where the data was). */
  moved?: number
  /** Where its result was written. */
  output?: string
  error?: { code: string, message: string }
}

export interface MapTotals {
  dataset: string
  files: number
  done: number
  agreed: number
  cached: number
  failed: number
  movedBytes: number
  /** Workers found, and of them the ones holding the dataset. */
  workers: number
  holders: number
}

export interface MapResult extends MapTotals {
  output: string
  results: MapFileOutcome[]
}

type Run = (spec: ReturnType<typeof makeJobSpec>, options: RunOptions) => Promise<RunResult>

export async function mapDataset (c: NodeComponents, run: Run, findWorkers: (signal: AbortSignal) => Promise<string[]>, job: MapJob, dataset: string, options: MapOptions): Promise<MapResult> {
  const replicas = options.replicas ?? DEFAULT_REPLICAS
  const signal = options.signal !== undefined ? AbortSignal.any([options.signal, c.signal]) : c.signal
  const link = parseLink(dataset)
  const cid = link.cid.toString()
  const manifest = await manifestOf(c, dataset, cid, signal)
  const files = manifest.kind === 'dir' ? manifest.files.map(f => ({ input: `${cid}/${f.path}`, path: f.path, size: f.size })) : [{ input: cid, path: manifest.name, size: manifest.files[0]?.size ?? 0 }]
  if (files.length > MAX_MAP_FILES) throw new ShoalError(ErrorCode.BadArgument, `${files.length} files in ${cid}, limit ${MAX_MAP_FILES}`)
  const [workers, holders] = await Promise.all([findWorkers(signal), holdersOf(c, link.cid, signal)])
  const local = options.locality !== false
  const holding = local ? workers.filter(w => holders.has(w)) : []
  const elsewhere = workers.filter(w => !holding.includes(w))
  const totals: MapTotals = { dataset: cid, files: files.length, done: 0, agreed: 0, cached: 0, failed: 0, movedBytes: 0, workers: workers.length, holders: workers.filter(w => holders.has(w)).length }
  options.onStart?.({ ...totals })
  await mkdir(options.output, { recursive: true })
  const staging = join(options.output, MAP_STAGING_DIR)
  await mkdir(staging, { recursive: true })
  const idle = new Set(workers)
  const results: MapFileOutcome[] = new Array(files.length)
  // Data locality first: while enough workers hold the data, run only as many jobs at once as they can take.
  const placeable = holding.length >= replicas ? holding.length : workers.length
  const concurrency = Math.max(1, Math.min(MAX_MAP_CONCURRENCY, Math.floor(placeable / replicas)))
  let next = 0
  let turn = 0
  const publishing: Array<Promise<number>> = []

  async function one (index: number): Promise<void> {
    const file = files[index]!
    // Idle holders first (rotated, so files spread over them), then idle others, then the busy as fallbacks for a split.
    const rotate = (list: string[]): string[] => list.length === 0 ? list : [...list.slice(turn % list.length), ...list.slice(0, turn % list.length)]
    turn++
    const preferred = [...rotate(holding.filter(w => idle.has(w))), ...rotate(elsewhere.filter(w => idle.has(w)))]
    const taken = preferred.slice(0, replicas)
    for (const w of taken) idle.delete(w)
    const candidates = [...preferred, ...workers.filter(w => !preferred.includes(w))]
    const outcome: MapFileOutcome = { path: file.path, size: file.size }
    const scratch = await mkdtemp(join(staging, 'job-'))
    try {
      const spec = makeJobSpec({ module: job.module, inputs: [file.input], args: job.args, env: job.env, limits: job.limits })
      const r = await run(spec, { replicas, candidates, sameNetworkOk: options.sameNetworkOk, noCache: options.noCache, output: scratch, signal, deferPublish: p => publishing.push(p) })
      const target = join(options.output, ...file.path.split('/'))
      if (await stat(target).then(() => true, () => false)) throw new ShoalError(ErrorCode.OutputExists, `${target} already exists`)
      await mkdir(dirname(target), { recursive: true })
      // Served from its staging path no more: the result moves to its place in the output.
      await c.content.removeContent(r.result)
      await rename(r.path!, target)
      Object.assign(outcome, { job: r.job, result: r.result, agreed: r.agreed, of: r.of, workers: r.workers.map(w => w.peerId), cached: r.cached, moved: r.cached ? 0 : r.workers.reduce((n, w) => n + (w.moved ?? 0), 0), output: target })
      totals.agreed++
      if (r.cached) totals.cached++
      totals.movedBytes += outcome.moved!
    } catch (err: any) {
      if (signal.aborted) throw err
      outcome.error = { code: typeof err?.code === 'string' ? err.code : JobError.Failed, message: String(err?.message ?? err).split('\n')[0]! }
      totals.failed++
    } finally {
      for (const w of taken) idle.add(w)
      await rm(scratch, { recursive: true, force: true }).catch(() => {})
    }
    results[index] = outcome
    totals.done++
    options.onFile?.(outcome, { ...totals })
  }

  async function lane (): Promise<void> {
    while (next < files.length && !signal.aborted) await one(next++)
  }
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, lane))
    await Promise.allSettled(publishing)
  } finally {
    await rm(staging, { recursive: true, force: true }).catch(() => {})
  }
  return { ...totals, output: options.output, results }
}

/** The dataset's manifest: from this node's registry when it has the content, else fetched (nothing else is). */
async function manifestOf (c: NodeComponents, dataset: string, cid: string, signal: AbortSignal): Promise<Manifest> {
  const local = c.content.contentOf(cid)
  if (local !== undefined) return local.manifest
  let manifest: Manifest | undefined
  const scratch = await mkdtemp(join(c.dataDir, 'compute-manifest-'))
  const stop = new ShoalError(ErrorCode.Aborted, 'manifest only')
  try {
    await c.content.get(dataset, { output: scratch, signal, onManifest: m => { manifest = m; throw stop } })
  } catch (err) {
    if (manifest === undefined) throw err
  } finally {
    await rm(scratch, { recursive: true, force: true }).catch(() => {})
  }
  return manifest!
}

/** Peers that provide the dataset in the DHT (they hold it), found within MAP_HOLDER_SEARCH_MS. */
async function holdersOf (c: NodeComponents, cid: CID, signal: AbortSignal): Promise<Set<string>> {
  const found = new Set<string>()
  try {
    for await (const p of c.libp2p.contentRouting.findProviders(cid, { signal: AbortSignal.any([signal, AbortSignal.timeout(MAP_HOLDER_SEARCH_MS)]) })) found.add(p.id.toString())
  } catch {}
  return found
}
