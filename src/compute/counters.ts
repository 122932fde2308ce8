/** What the compute capability has done since the node started (read by /metrics and the API). */
export interface ComputeCounters {
  /** Jobs this node ran for others, by how they ended. */
  served: { revealed: number, refused: number, failed: number }
  /** CPU time given to others' jobs (wall time of their runner processes), seconds. */
  cpuSeconds: number
  /** Runs this node asked for, by outcome (`failed`: JOB_… codes; others as their error codes). */
  runs: { agreed: number, cached: number, no_quorum: number, no_workers: number, failed: number }
  /** Rounds where the revealed results had no strict majority, so one more replica was asked. */
  splits: number
}

export function newCounters (): ComputeCounters {
  return { served: { revealed: 0, refused: 0, failed: 0 }, cpuSeconds: 0, runs: { agreed: 0, cached: 0, no_quorum: 0, no_workers: 0, failed: 0 }, splits: 0 }
}
