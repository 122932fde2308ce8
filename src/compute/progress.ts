/**
 * What a requester's run reports while it goes (the `--json` events of `shoal run`, stable like
 * every CLI event): workers found, the job sent to each, each commitment, refusal and reveal, and
 * the quorum. A refusal's `reason` is the worker's (`busy`, `over-limits`, `bad-job`), a failure
 * code (`JOB_TIMEOUT`, …), `unreachable`, or `same-domain` (left out: a failure domain already used).
 */
export type RunProgress =
  | { event: 'job', job: string, replicas: number }
  | { event: 'workers', found: number }
  | { event: 'job-sent', worker: string }
  | { event: 'commit', worker: string, commits: number }
  | { event: 'refused', worker: string, reason: string, message: string }
  | { event: 'reveal', worker: string, result: string, reveals: number }
  | { event: 'quorum', result: string, agreed: number, of: number }

export type ProgressListener = (progress: RunProgress) => void
