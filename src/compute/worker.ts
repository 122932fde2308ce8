/**
 * The worker side of `/shoal/compute/1.0.0`: admit a job within the worker's caps, fetch its module
 * and inputs (from its own store first), run it in the sandbox, serve `/out` as a content, commit to
 * the result CID, and reveal it when the requester asks. Outputs have no signature in their CID
 * (the manifest's CID), so honest workers give the same result CID.
 */
import type { Connection, Stream } from '@libp2p/interface'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { NodeComponents } from '../node/service.js'
import { ShoalError } from '../errors.js'
import type { Admissions } from './admission.js'
import { commitmentOf, randomNonce } from './commitment.js'
import { JOB_FETCH_MS, JobError, MAX_JOB_MESSAGE_CHARS, RESULTS_DIR, REVEAL_WAIT_MS } from './constants.js'
import { JobInputs } from './job-inputs.js'
import { FrameReader } from './job-stream.js'
import { jobId as jobIdOf, type JobSpec } from './job-spec.js'
import { decodeComputeRequest, encodeComputeFrame, FAILURE_CODES, type ComputeAnswer, type FailureCode } from './messages.js'
import { runJob } from './sandbox/run-job.js'
import { safeRelative } from './safe-output.js'

export interface ServedJob {
  job: string
  from: string
  inputs: string[]
  state: 'running' | 'committed' | 'revealed' | 'refused' | 'failed'
  result?: string
  error?: string
  movedBytes: number
  cpuMs: number
  startedAt: number
}

export class Worker {
  /** Jobs this worker has served, newest last (bounded). */
  readonly served: ServedJob[] = []

  constructor (private readonly c: NodeComponents, private readonly admissions: Admissions, private readonly maxServed = 1_000) {}

  async serve (stream: Stream, connection: Connection): Promise<void> {
    const reader = new FrameReader(stream)
    const from = connection.remotePeer.toString()
    const send = (answer: ComputeAnswer): void => { stream.send(encodeComputeFrame(answer)) }
    try {
      const request = decodeComputeRequest(await reader.next(AbortSignal.any([this.c.signal, AbortSignal.timeout(JOB_FETCH_MS)])))
      if (request.type !== 'job') throw new Error('reveal before a job')
      const spec = request.spec
      const job = (await jobIdOf(spec)).toString()
      const admission = this.admissions.admit(spec.limits)
      if (!admission.ok) {
        send({ type: 'refused', reason: admission.reason, message: admission.detail.slice(0, MAX_JOB_MESSAGE_CHARS) })
        await stream.close().catch(() => {})
        return
      }
      const record: ServedJob = { job, from, inputs: spec.inputs, state: 'running', movedBytes: 0, cpuMs: 0, startedAt: Date.now() }
      this.remember(record)
      let result: string
      try {
        result = await this.run(job, spec, request.origins, record)
      } catch (err: any) {
        const code: FailureCode = FAILURE_CODES.includes(err?.code) ? err.code : JobError.Failed
        record.state = 'failed'
        record.error = code
        send({ type: 'failed', code, message: String(err?.message ?? err).slice(0, MAX_JOB_MESSAGE_CHARS) })
        await stream.close().catch(() => {})
        return
      } finally {
        admission.release()
      }
      const nonce = randomNonce()
      send({ type: 'commit', job, commitment: await commitmentOf(job, result, this.c.peerId, nonce) })
      record.state = 'committed'
      const reveal = decodeComputeRequest(await reader.next(AbortSignal.any([this.c.signal, AbortSignal.timeout(REVEAL_WAIT_MS)])))
      if (reveal.type !== 'reveal') throw new Error('a second job on one stream')
      send({ type: 'revealed', result, nonce })
      record.state = 'revealed'
      record.result = result
      await stream.close().catch(() => {})
    } catch {
      stream.abort(new Error('compute stream failed'))
    }
  }

  private async run (job: string, spec: JobSpec, origins: string[], record: ServedJob): Promise<string> {
    const signal = AbortSignal.any([this.c.signal, AbortSignal.timeout(JOB_FETCH_MS + spec.limits.timeoutS * 1000)])
    const inputs = new JobInputs(this.c, origins, signal)
    try {
      const module = await inputs.tree(spec.module)
      if (module.tree.length !== 1) throw new ShoalError(JobError.Rejected, 'the module content must hold exactly one file')
      const trees = []
      let moved = module.movedBytes
      for (const cid of spec.inputs) {
        const fetched = await inputs.tree(cid)
        trees.push(fetched.tree)
        moved += fetched.movedBytes
      }
      record.movedBytes = moved
      const output = await runJob({ module: module.tree[0]![1], seed: job, args: spec.args, env: spec.env, inputs: trees, limits: spec.limits, signal })
      record.cpuMs = output.cpuMs
      if (output.files.length === 0) throw new ShoalError(JobError.Failed, 'job wrote nothing under /out')
      const outDir = join(this.c.dataDir, RESULTS_DIR, job, 'out')
      await rm(outDir, { recursive: true, force: true })
      await mkdir(outDir, { recursive: true })
      for (const [path, bytes] of output.files) {
        const target = join(outDir, safeRelative(path))
        await mkdir(dirname(target), { recursive: true })
        await writeFile(target, bytes)
      }
      return (await this.c.content.share(outDir, { signal })).cid
    } finally {
      await inputs.close()
    }
  }

  private remember (record: ServedJob): void {
    this.served.push(record)
    if (this.served.length > this.maxServed) this.served.shift()
  }
}
