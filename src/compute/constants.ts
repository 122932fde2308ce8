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

/** The wire protocol workers answer (identify lists it, so connected requesters see a worker). */
export const COMPUTE_PROTOCOL = '/shoal/compute/1.0.0'
/** Text whose SHA-256 (raw CID) every worker provides in the DHT, so requesters find workers. */
export const COMPUTE_OFFER_KEY_TEXT = 'shoal/compute-offer/v1'
/** A worker provides the offer key again this often (kad records expire after 48 h). */
export const COMPUTE_OFFER_REPROVIDE_MS = 12 * 60 * 60 * 1000
/** First tries to provide the offer key come this often, until one works. */
export const COMPUTE_PROVIDE_RETRY_MS = 5_000
/** Most jobs one worker runs at once (each is a child process). */
export const MAX_COMPUTE_SLOTS = 64
/** Most workers one search returns. */
export const MAX_WORKER_CANDIDATES = 32
/** Most bytes of one `/shoal/compute/1.0.0` message (a job carries its whole spec). */
export const MAX_COMPUTE_MESSAGE_BYTES = MAX_SPEC_BYTES + 16 * 1024
/** Most multiaddrs a job names where its module and inputs can be fetched. */
export const MAX_JOB_ORIGINS = 16
export const MAX_ORIGIN_CHARS = 512
/** Most characters of a refusal's or failure's message. */
export const MAX_JOB_MESSAGE_CHARS = 512
/** Streams a worker accepts at once (jobs past its slots are answered `busy`). */
export const MAX_INBOUND_COMPUTE_STREAMS = 32
/** Time a worker gives itself to fetch a job's module and inputs, on top of the job's time limit. */
export const JOB_FETCH_MS = 120_000
/** How long a worker keeps a commitment open for the requester's `reveal`. */
export const REVEAL_WAIT_MS = 300_000
/** Replicas asked for by default; a split adds one at a time, up to replicas + MAX_EXTRA_REPLICAS. */
export const DEFAULT_REPLICAS = 3
export const MAX_EXTRA_REPLICAS = 2
export const MAX_REPLICAS = 16
/** Results of agreed jobs kept by a requester, by job ID. */
export const MAX_CACHED_RESULTS = 10_000
/** Domain of a worker's commitment: SHA-256(domain ‖ job ‖ \n ‖ result ‖ \n ‖ worker ‖ \n ‖ nonce). */
export const COMMIT_DOMAIN = 'shoal-compute-commit-v1:'
/** Most bytes of inputs one job gets in memory (v1 holds inputs in the runner's memory FS). */
export const MAX_INPUT_BYTES = 256 * 1024 * 1024
/** Under the data dir: where a worker keeps the outputs it serves, one folder per job ID. */
export const RESULTS_DIR = 'compute-results'
/** Error codes of a requester's run (stable). */
export const RunError = {
  NoWorkers: 'NO_WORKERS',
  NoQuorum: 'NO_QUORUM'
} as const
