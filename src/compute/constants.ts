/** Limits and names of the compute capability (src/compute/). */

/** Error codes a job can end with (stable, as every ShoalError code). */
export const JobError = {
  Rejected: 'JOB_REJECTED',
  Timeout: 'JOB_TIMEOUT',
  Memory: 'JOB_MEMORY',
  Failed: 'JOB_FAILED'
} as const

export const JOB_SPEC_VERSION = 1
/** WebAssembly pages are 64 KiB. */
export const WASM_PAGE_BYTES = 65_536
/** Defaults of a job's limits, and the most a spec may ask for. */
export const DEFAULT_MEMORY_MIB = 256
export const MAX_MEMORY_MIB = 4096
export const DEFAULT_TIMEOUT_S = 60
export const MAX_TIMEOUT_S = 3600
export const DEFAULT_OUTPUT_MIB = 64
export const MAX_OUTPUT_MIB = 1024
/** Most inputs, arguments and environment entries of one job, and the most bytes of each string. */
export const MAX_INPUTS = 64
export const MAX_ARGS = 256
export const MAX_ENV = 256
export const MAX_STRING_BYTES = 4096
/** Most bytes of a canonical job spec. */
export const MAX_SPEC_BYTES = 256 * 1024
/** Most bytes of a module the runner accepts. */
export const MAX_MODULE_BYTES = 64 * 1024 * 1024
/** The only import module a job may use. */
export const WASI_MODULE = 'wasi_snapshot_preview1'
/** The fixed wall clock a job sees: 2000-01-01T00:00:00Z, in nanoseconds. */
export const FIXED_EPOCH_NS = 946_684_800_000_000_000n
/** The monotonic clock a job sees advances by this much per reading, so loops that wait end. */
export const CLOCK_STEP_NS = 1_000_000n
/** Bytes of stderr kept for a JOB_FAILED message. */
export const STDERR_TAIL_BYTES = 4096
/** Heap of the runner process itself (the module's memory is capped separately). */
export const RUNNER_HEAP_MIB = 64
/** OS priority of runner processes (19: lowest on Unix). */
export const RUNNER_NICE = 19
