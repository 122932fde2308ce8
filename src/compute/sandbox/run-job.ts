import { setPriority } from 'node:os'
import { join } from 'node:path'
import { ShoalError } from '../../errors.js'
import { packageRoot } from '../../package.js'
import { CLOCK_STEP_NS, FIXED_EPOCH_NS, JobError, RUNNER_HEAP_MIB, RUNNER_NICE, STDERR_TAIL_BYTES, WASM_PAGE_BYTES } from '../constants.js'
import type { JobLimits } from '../job-spec.js'
import { checkAndCapModule } from '../wasm-check.js'
import type { RunReply, RunRequest } from './runner-child.js'

export interface RunInput {
  module: Uint8Array
  /** Seeds the module's randomness: the job ID, so every worker gives the same bytes. */
  seed: string
  args: string[]
  env: Record<string, string>
  inputs: Array<Array<[string, Uint8Array]>>
  limits: JobLimits
  signal?: AbortSignal
}

export interface RunOutput {
  /** The /out tree, relative path → bytes, sorted by path. */
  files: Array<[string, Uint8Array]>
  stderr: string
  cpuMs: number
}

/** The one-file runner built by scripts/bundle.js: the only file its process may read. */
export function runnerPath (): string {
  return join(packageRoot(), 'dist', 'src', 'compute', 'sandbox', 'runner.bundle.js')
}

/**
 * Runs a job in its own process: permission model on (read access to the runner file only, no
 * network, child processes or workers), lowest OS priority, killed at the time limit. Throws a
 * ShoalError JOB_REJECTED / JOB_TIMEOUT / JOB_MEMORY / JOB_FAILED.
 */
export async function runJob (input: RunInput): Promise<RunOutput> {
  const module = checkAndCapModule(input.module, input.limits.memoryMiB)
  const runner = runnerPath()
  // Loaded on first use: node:child_process costs every command's start ~5-15 ms (docs/benchmarks.md, round 7).
  const { fork } = await import('node:child_process')
  const child = fork(runner, [], {
    execArgv: ['--permission', `--allow-fs-read=${runner}`, `--max-old-space-size=${RUNNER_HEAP_MIB}`],
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: {}
  })
  if (child.pid !== undefined) { try { setPriority(child.pid, RUNNER_NICE) } catch {} }
  let childStderr = ''
  child.stderr?.on('data', (chunk: Buffer) => { childStderr = (childStderr + chunk.toString()).slice(-STDERR_TAIL_BYTES) })
  const startedAt = Date.now()
  return await new Promise<RunOutput>((resolve, reject) => {
    let reply: RunReply | undefined
    let timedOut = false
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL') }, input.limits.timeoutS * 1000)
    const onAbort = (): void => { child.kill('SIGKILL') }
    input.signal?.addEventListener('abort', onAbort, { once: true })
    child.on('message', (m: RunReply) => { reply = m })
    child.on('error', () => {})
    // 'close', not 'exit': 'exit' can come before the child's last IPC message has been read.
    child.on('close', (code, sig) => {
      clearTimeout(timer)
      input.signal?.removeEventListener('abort', onAbort)
      const cpuMs = Date.now() - startedAt
      if (timedOut) return reject(new ShoalError(JobError.Timeout, `job ran over its time limit of ${input.limits.timeoutS} s`))
      if (input.signal?.aborted === true) return reject(new ShoalError('ABORTED', 'job stopped'))
      if (reply === undefined) {
        const memory = /heap out of memory|Allocation failed/i.test(childStderr)
        return reject(new ShoalError(memory ? JobError.Memory : JobError.Failed, `runner ended (${sig ?? code}) without an answer${memory ? ': out of memory' : ''}`))
      }
      if (!reply.ok) {
        const tail = reply.stderr.trim().split('\n').slice(-3).join(' | ')
        if (reply.kind === 'memory') return reject(new ShoalError(JobError.Memory, `job ran out of its ${input.limits.memoryMiB} MiB of memory (${reply.message})`))
        if (reply.kind === 'output') return reject(new ShoalError(JobError.Failed, `job wrote more than ${input.limits.outputMiB} MiB under /out`))
        return reject(new ShoalError(JobError.Failed, `job trapped: ${reply.message}${tail !== '' ? ` (stderr: ${tail})` : ''}`))
      }
      if (reply.exitCode !== 0) {
        const tail = reply.stderr.trim().split('\n').slice(-3).join(' | ')
        return reject(new ShoalError(JobError.Failed, `job exited with code ${reply.exitCode}${tail !== '' ? ` (stderr: ${tail})` : ''}`))
      }
      resolve({ files: reply.files, stderr: reply.stderr, cpuMs })
    })
    const request: RunRequest = {
      module,
      seed: input.seed,
      args: input.args,
      env: input.env,
      inputs: input.inputs,
      outputBytes: input.limits.outputMiB * 1024 * 1024,
      memoryPages: Math.floor(input.limits.memoryMiB * 1024 * 1024 / WASM_PAGE_BYTES),
      fixedEpochNs: FIXED_EPOCH_NS,
      clockStepNs: CLOCK_STEP_NS,
      stderrTail: STDERR_TAIL_BYTES
    }
    child.send(request)
  })
}
