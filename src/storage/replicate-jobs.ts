/**
 * Replications a daemon runs for its API clients: `shoal replicate` starts one and follows it, so
 * no HTTP request has to stay open while copies travel (clients give up on a silent answer after
 * a few minutes). The most recent MAX_JOBS are kept.
 */
import { randomBytes } from 'node:crypto'
import { isShoalError } from '../errors.js'
import type { Replicated, ReplicateOptions } from './replicator.js'

const MAX_JOBS = 32
const JOB_ID_BYTES = 8

export interface ReplicateJob {
  id: string
  state: 'running' | 'done' | 'failed'
  startedAt: number
  result?: Replicated
  error?: { code: string, message: string }
}

export class ReplicateJobs {
  private readonly jobs = new Map<string, ReplicateJob>()

  constructor (private readonly replicate: (target: string, options: ReplicateOptions) => Promise<Replicated>) {}

  start (target: string, options: ReplicateOptions): ReplicateJob {
    const job: ReplicateJob = { id: randomBytes(JOB_ID_BYTES).toString('hex'), state: 'running', startedAt: Date.now() }
    this.jobs.set(job.id, job)
    while (this.jobs.size > MAX_JOBS) this.jobs.delete(this.jobs.keys().next().value as string)
    this.replicate(target, options).then(result => {
      job.state = 'done'
      job.result = result
    }, (err: unknown) => {
      job.state = 'failed'
      job.error = isShoalError(err) ? { code: err.code, message: err.message } : { code: 'INTERNAL', message: String((err as Error)?.message ?? err).split('\n')[0] ?? '' }
    })
    return { ...job }
  }

  get (id: string): ReplicateJob | undefined {
    const job = this.jobs.get(id)
    return job === undefined ? undefined : { ...job }
  }
}
