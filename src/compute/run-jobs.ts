/**
 * Runs a daemon does for its API clients (`POST /api/v1/jobs`), followed by polling
 * `GET /api/v1/jobs/{id}`, so no HTTP request stays open while workers compute. Each keeps its
 * progress events (the same as `shoal run --json`); the most recent MAX_RUN_JOBS are kept.
 */
import { randomBytes } from 'node:crypto'
import { isShoalError } from '../errors.js'
import { MAX_RUN_JOB_EVENTS, MAX_RUN_JOBS } from './constants.js'
import type { JobSpec } from './job-spec.js'
import type { RunProgress } from './progress.js'
import type { RunOptions, RunResult } from './service.js'

export interface RunJob {
  id: string
  state: 'running' | 'done' | 'failed'
  startedAt: number
  endedAt?: number
  job?: string
  inputs: string[]
  replicas: number
  events: RunProgress[]
  result?: Pick<RunResult, 'job' | 'result' | 'agreed' | 'of' | 'dissenters' | 'cached' | 'path'> & { workers: string[] }
  error?: { code: string, message: string }
}

export class RunJobs {
  private readonly jobs = new Map<string, RunJob>()

  constructor (private readonly run: (spec: JobSpec, options: RunOptions) => Promise<RunResult>) {}

  start (spec: JobSpec, options: RunOptions & { replicas: number }): RunJob {
    const job: RunJob = { id: randomBytes(8).toString('hex'), state: 'running', startedAt: Date.now(), inputs: spec.inputs, replicas: options.replicas, events: [] }
    this.jobs.set(job.id, job)
    while (this.jobs.size > MAX_RUN_JOBS) this.jobs.delete(this.jobs.keys().next().value as string)
    const onProgress = (p: RunProgress): void => {
      if (p.event === 'job') job.job = p.job
      job.events.push(p)
      if (job.events.length > MAX_RUN_JOB_EVENTS) job.events.shift()
    }
    this.run(spec, { ...options, onProgress }).then(r => {
      job.state = 'done'
      job.job = r.job
      job.result = { job: r.job, result: r.result, agreed: r.agreed, of: r.of, dissenters: r.dissenters, cached: r.cached, path: r.path, workers: r.workers.map(w => w.peerId) }
    }, (err: unknown) => {
      job.state = 'failed'
      job.error = isShoalError(err) ? { code: err.code, message: err.message } : { code: 'INTERNAL', message: String((err as Error)?.message ?? err).split('\n')[0] ?? '' }
    }).finally(() => { job.endedAt = Date.now() })
    return this.copy(job)
  }

  get (id: string): RunJob | undefined {
    const job = this.jobs.get(id)
    return job === undefined ? undefined : this.copy(job)
  }

  list (): RunJob[] {
    return [...this.jobs.values()].map(j => this.copy(j)).reverse()
  }

  private copy (job: RunJob): RunJob {
    return { ...job, events: [...job.events] }
  }
}
