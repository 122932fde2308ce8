/**
 * What a worker takes on: a job whose limits fit the worker's caps, while a slot is free. A job
 * over a cap is refused (the requester tries another worker); a full worker is busy.
 */
import type { JobLimits } from './job-spec.js'

export interface WorkerLimits {
  /** Jobs run at once. */
  slots: number
  /** Most module memory one job may ask for, MiB. */
  maxMemoryMiB: number
  /** Longest time limit one job may ask for, seconds. */
  maxTimeoutS: number
  /** Largest output one job may ask for, MiB. */
  maxOutputMiB: number
}

export type Admission = { ok: true, release: () => void } | { ok: false, reason: 'busy' | 'over-limits', detail: string }

export class Admissions {
  private running = 0

  constructor (readonly limits: WorkerLimits) {}

  /** Takes a slot for a job with these limits, or says why not; `release` frees it (once). */
  admit (job: JobLimits): Admission {
    const over = overLimits(job, this.limits)
    if (over !== undefined) return { ok: false, reason: 'over-limits', detail: over }
    if (this.running >= this.limits.slots) return { ok: false, reason: 'busy', detail: `all ${this.limits.slots} slots run jobs` }
    this.running++
    let released = false
    return {
      ok: true,
      release: () => {
        if (released) return
        released = true
        this.running--
      }
    }
  }

  get busySlots (): number { return this.running }
}

function overLimits (job: JobLimits, caps: WorkerLimits): string | undefined {
  if (job.memoryMiB > caps.maxMemoryMiB) return `memory ${job.memoryMiB} MiB is over this worker's ${caps.maxMemoryMiB} MiB`
  if (job.timeoutS > caps.maxTimeoutS) return `time limit ${job.timeoutS} s is over this worker's ${caps.maxTimeoutS} s`
  if (job.outputMiB > caps.maxOutputMiB) return `output ${job.outputMiB} MiB is over this worker's ${caps.maxOutputMiB} MiB`
  return undefined
}
