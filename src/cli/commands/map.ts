import { resolve } from 'node:path'
import { COMPUTE_SERVICE, type ComputeService } from '../../compute/service.js'
import { DEFAULT_REPLICAS } from '../../compute/constants.js'
import type { MapFileOutcome, MapTotals } from '../../compute/map.js'
import { ErrorCode, ShoalError } from '../../errors.js'
import type { Parsed } from '../args.js'
import { formatBytes } from '../format.js'
import { BAR_WIDTH, ProgressLine } from '../progress-bar.js'
import type { Reporter } from '../reporter.js'
import { signalOnInterrupt } from '../signals.js'
import { contentOf, jobFlags, requesterNode, waitForPeers } from './run.js'

export const MAP_HELP = `Usage: shoal map <module.wasm|cid> <dataset-cid-or-link|path> -o <dir> [options]

Runs the module once per file of a shared content, each job with that one file as its input
(/in/0/<path>), first on workers that already hold the content (so its bytes do not move), each
result agreed by a quorum as with 'shoal run'. Results go to <dir>/<file path>/ (the job's /out).
A local path is shared first (then the workers fetch it from this node).

Options:
  -o <dir>               where the results go (required)
  --arg <s>              an argument of the module (repeatable)
  --replicas <k>         workers that must agree on each file, by strict majority (default ${DEFAULT_REPLICAS})
  --timeout <s>          each job's time limit (default 60s)
  --memory <size>        each job's memory limit (default 256M)
  --same-network-ok      allow several workers on one failure domain (one host or LAN)
  --no-cache             run again even where an agreed result is known
  --no-locality          place jobs on any idle worker, not first where the data is (the data then
                         moves: for comparison)
  --json                 {"event":"map-file",…} per file, then {"event":"map",…} (see README)
  --data-dir, --listen, --bootstrap, --no-mdns, --network-key, -h/--help as for every command

Errors: as 'shoal run' (NO_WORKERS, NO_QUORUM, JOB_…): the most common one when any file failed,
after the summary.`

export const MAP_FLAGS = {
  arg: { type: 'string', multiple: true },
  replicas: { type: 'string' },
  timeout: { type: 'string' },
  memory: { type: 'string' },
  'same-network-ok': { type: 'boolean' },
  'no-cache': { type: 'boolean' },
  'no-locality': { type: 'boolean' },
  output: { type: 'string', short: 'o' }
} as const

export async function map (parsed: Parsed, reporter: Reporter): Promise<number> {
  const [moduleArg, dataset] = parsed.positionals
  if (moduleArg === undefined || dataset === undefined || parsed.positionals.length > 2) throw new ShoalError(ErrorCode.BadArgument, 'map takes a module and a dataset: shoal map <module.wasm|cid> <dataset-cid-or-link> -o <dir>')
  if (parsed.values.output === undefined) throw new ShoalError(ErrorCode.BadArgument, 'map needs -o <dir> for its results')
  const { replicas, limits } = jobFlags(parsed)
  const output = resolve(parsed.values.output as string)
  const interrupt = signalOnInterrupt()
  const node = await requesterNode(parsed, reporter, 'map')
  const line = reporter.tty ? new ProgressLine(process.stderr) : undefined
  try {
    const module = await contentOf(node, moduleArg)
    const data = await contentOf(node, dataset)
    await waitForPeers(node, interrupt.signal)
    const compute = node.service<ComputeService>(COMPUTE_SERVICE)!
    const result = await compute.map({ module, args: (parsed.values.arg as string[] | undefined) ?? [], limits }, data, {
      replicas,
      output,
      sameNetworkOk: parsed.values['same-network-ok'] === true,
      noCache: parsed.values['no-cache'] === true,
      locality: parsed.values['no-locality'] !== true,
      signal: interrupt.signal,
      onStart: totals => line?.update(bar(totals)),
      onFile: (outcome, totals) => {
        reporter.event(fileEvent(outcome))
        if (outcome.error !== undefined) reporter.note(`${outcome.path}: ${outcome.error.message}`)
        line?.update(bar(totals))
      }
    }).finally(() => line?.clear())
    const placement = result.movedBytes === 0 ? ' (ran where the data was)' : ''
    const ok = result.files - result.failed
    reporter.say(`${ok}/${result.files} files, each agreed by a quorum of ${replicas}${result.cached > 0 ? ` (${result.cached} cached)` : ''}, ${formatBytes(result.movedBytes)} of input moved${placement}  written to ${output}`)
    reporter.event({ event: 'map', dataset: result.dataset, files: result.files, agreed: result.agreed, cached: result.cached, failed: result.failed, moved: result.movedBytes, workers: result.workers, holders: result.holders, output })
    if (result.failed > 0) {
      const codes = new Map<string, number>()
      for (const r of result.results) if (r?.error !== undefined) codes.set(r.error.code, (codes.get(r.error.code) ?? 0) + 1)
      const code = [...codes].sort((a, b) => b[1] - a[1])[0]![0]
      const first = result.results.find(r => r?.error?.code === code)!
      throw new ShoalError(code, `${result.failed} of ${result.files} files failed (${first.path}: ${first.error!.message})`)
    }
    return 0
  } finally {
    await node.stop()
    interrupt.dispose()
  }
}

function fileEvent (o: MapFileOutcome): { event: 'map-file' } & Record<string, unknown> {
  if (o.error !== undefined) return { event: 'map-file', path: o.path, size: o.size, error: o.error }
  return { event: 'map-file', path: o.path, size: o.size, job: o.job, result: o.result, agreed: o.agreed, of: o.of, workers: o.workers, cached: o.cached, moved: o.moved, output: o.output }
}

function bar (t: MapTotals): string {
  const filled = t.files === 0 ? BAR_WIDTH : Math.round(t.done / t.files * BAR_WIDTH)
  return `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)} ${t.done}/${t.files} files  ${t.agreed} agreed  ${t.cached} cached  ${t.failed} failed  ${formatBytes(t.movedBytes)} input moved  (${t.holders} of ${t.workers} workers hold the data)`
}
