import { resolve } from 'node:path'
import { stat } from 'node:fs/promises'
import { createNode, type ShoalNode } from '../../node/node.js'
import { ErrorCode, ShoalError } from '../../errors.js'
import { COMPUTE_SERVICE, type ComputeService } from '../../compute/service.js'
import { DEFAULT_REPLICAS, MAX_MEMORY_MIB } from '../../compute/constants.js'
import { makeJobSpec } from '../../compute/job-spec.js'
import { nodeOptions, parseSeconds, parseSize, type Parsed } from '../args.js'
import { shortId } from '../format.js'
import type { Reporter } from '../reporter.js'
import { signalOnInterrupt } from '../signals.js'
import { findDaemon } from '../remote/find-daemon.js'
import { sleep } from '../../sleep.js'

export const RUN_HELP = `Usage: shoal run <module.wasm|cid> [--input <cid|path>]... [--arg <s>]... [options]

Runs a WASI (preview 1) module on workers ('shoal daemon --offer-compute <n>'), next to its
inputs: local paths are shared first; workers fetch the module and inputs by CID. Every replica
commits to its result before any reveals it; the result CID a strict majority reports is accepted
(a split adds one replica at a time, up to k + 2) and downloaded to -o.

Options:
  --input <cid|path>     an input content, mounted read-only at /in/<i>/ (repeatable)
  --arg <s>              an argument of the module (repeatable)
  --replicas <k>         workers that must agree by strict majority (default ${DEFAULT_REPLICAS})
  --workers <peerId>     send the job to these workers only (repeatable)
  --timeout <s>          the job's time limit (default 60s)
  --memory <size>        the job's memory limit (default 256M)
  --same-network-ok      allow several workers on one failure domain (one host or LAN)
  --no-cache             run again even if this node has an agreed result for the job
  -o <dir>               where the result goes (as <dir>/out)
  --json                 {"event":"result","job","result","agreed","of","workers":[…],"path","cached"}
  --data-dir, --listen, --bootstrap, --no-mdns, --network-key, -h/--help as for every command

Errors: NO_WORKERS, NO_QUORUM (never a wrong answer), JOB_TIMEOUT, JOB_MEMORY, JOB_REJECTED, JOB_FAILED.`

export const RUN_FLAGS = {
  input: { type: 'string', multiple: true },
  arg: { type: 'string', multiple: true },
  replicas: { type: 'string' },
  workers: { type: 'string', multiple: true },
  timeout: { type: 'string' },
  memory: { type: 'string' },
  'same-network-ok': { type: 'boolean' },
  'no-cache': { type: 'boolean' },
  output: { type: 'string', short: 'o' }
} as const

/** How long to wait for a first connection, then for identify to tell who offers compute. */
const FIRST_PEER_WAIT_MS = 10_000
const IDENTIFY_WAIT_MS = 500

export async function run (parsed: Parsed, reporter: Reporter): Promise<number> {
  const moduleArg = parsed.positionals[0]
  if (moduleArg === undefined || parsed.positionals.length > 1) throw new ShoalError(ErrorCode.BadArgument, 'run takes one module: shoal run <module.wasm|cid> [--input <cid|path>]...')
  const replicas = parsed.values.replicas !== undefined ? Number(parsed.values.replicas) : DEFAULT_REPLICAS
  const memoryMiB = parsed.values.memory !== undefined ? Math.floor(parseSize(parsed.values.memory as string, '--memory') / (1024 * 1024)) : undefined
  if (memoryMiB !== undefined && !(memoryMiB >= 1 && memoryMiB <= MAX_MEMORY_MIB)) throw new ShoalError(ErrorCode.BadArgument, `--memory must be from 1M to ${MAX_MEMORY_MIB}M`)
  const timeoutS = parsed.values.timeout !== undefined ? Math.ceil(parseSeconds(parsed.values.timeout as string, '--timeout')) : undefined
  const running = await findDaemon(parsed.values)
  if (running !== undefined) throw new ShoalError(ErrorCode.DataDirInUse, `a daemon runs for ${running.dataDir}: run 'shoal run' with another --data-dir (the daemon API has no run route yet)`)
  const interrupt = signalOnInterrupt()
  const node = await createNode({ ...nodeOptions(parsed.values), compute: {} }, { warning: message => reporter.note(`warning: ${message}`) })
  try {
    const module = await contentOf(node, moduleArg)
    const inputs: string[] = []
    for (const input of (parsed.values.input as string[] | undefined) ?? []) inputs.push(await contentOf(node, input))
    const spec = makeJobSpec({ module, inputs, args: (parsed.values.arg as string[] | undefined) ?? [], limits: { ...(memoryMiB !== undefined ? { memoryMiB } : {}), ...(timeoutS !== undefined ? { timeoutS } : {}) } })
    const deadline = Date.now() + FIRST_PEER_WAIT_MS
    while (node.connectedPeers().length === 0 && Date.now() < deadline && !interrupt.signal.aborted) await sleep(100, interrupt.signal)
    await sleep(IDENTIFY_WAIT_MS, interrupt.signal)
    const output = parsed.values.output !== undefined ? resolve(parsed.values.output as string) : undefined
    const result = await node.service<ComputeService>(COMPUTE_SERVICE)!.run(spec, {
      replicas, workers: parsed.values.workers as string[] | undefined, sameNetworkOk: parsed.values['same-network-ok'] === true, noCache: parsed.values['no-cache'] === true, output, signal: interrupt.signal
    })
    const workers = result.workers.map(w => w.peerId)
    reporter.say(`result ${result.result}  agreed ${result.agreed}/${result.of} (${workers.map(shortId).join(', ')})${result.cached ? '  cached' : ''}${result.path !== undefined ? `  written to ${result.path}` : ''}`)
    reporter.event({ event: 'result', job: result.job, result: result.result, agreed: result.agreed, of: result.of, workers, path: result.path ?? null, cached: result.cached })
    return 0
  } finally {
    await node.stop()
    interrupt.dispose()
  }
}

/** A CID as it is, or a local path shared first (so workers can fetch it from this node). */
async function contentOf (node: ShoalNode, target: string): Promise<string> {
  const exists = await stat(target).then(() => true, () => false)
  if (!exists) return target
  return (await node.share(resolve(target))).cid
}
