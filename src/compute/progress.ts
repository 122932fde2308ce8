/**
 * What a requester's run reports while it goes (the `--json` events of `shoal run`, stable like
 * every CLI event): workers found, the job sent to each, each commitment, refusal and reveal, and
 * the quorum. A refusal's `reason` is the worker's (`busy`, `over-limits`, `bad-job`), a failure
 * code (`JOB_TIMEOUT`, …), `unreachable`, or `same-domain` (left out: a failure domain already used).
 * `split`: the results revealed so far have no strict majority, so one more replica is asked.
 * `cached`: the agreed result came from this node's memory or a checked DHT record (nothing ran);
 * `record-refused`: a DHT record was found but did not pass the checks; `published`: the agreed
 * result was put in the DHT (`stored`: peers that took it).
 */
export type RunProgress =
  | { event: 'job', job: string, replicas: number }
  | { event: 'workers', found: number }
  | { event: 'job-sent', worker: string }
  | { event: 'commit', worker: string, commits: number }
  | { event: 'refused', worker: string, reason: string, message: string }
  | { event: 'reveal', worker: string, result: string, reveals: number }
  | { event: 'split', reveals: number, different: number }
  | { event: 'quorum', result: string, agreed: number, of: number }
  | { event: 'cached', source: 'local' | 'dht', result: string, signers: number }
  | { event: 'record-refused', reason: string }
  | { event: 'published', job: string, stored: number }

export type ProgressListener = (progress: RunProgress) => void
