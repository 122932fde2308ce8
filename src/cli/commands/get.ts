import { createNode, DEFAULT_STALL_TIMEOUT_MS } from '../../node/node.js'
import { nodeOptions, parseSeconds, type Parsed } from '../args.js'
import { JSON_PROGRESS_INTERVAL_MS, progressEvent, reportDone } from '../transfer-report.js'
import { ProgressLine, renderProgress } from '../progress-bar.js'
import type { Reporter } from '../reporter.js'
import { signalOnInterrupt, untilSignal } from '../signals.js'
import { ErrorCode, ShoalError } from '../../errors.js'
import { findDaemon } from '../remote/find-daemon.js'
import { getViaDaemon } from '../remote/get-remote.js'
import { trace } from '../../log/trace.js'
import { oneShotGetOptions } from '../one-shot.js'

export const GET_HELP = `Usage: shoal get <link-or-cid> [options]

Downloads content from every peer that has it, verifies each piece, and writes <output>/<name>
only once everything is verified. A bare content ID is found through the DHT, mDNS and bootstrap
peers. An interrupted download resumes when the same command runs again. With 'shoal daemon'
running on the data directory, the daemon downloads (and seeds) and this command follows it.

Options:
  -o, --output <dir>     folder to write into (default: current folder)
  --seed                 keep serving after the download, until interrupted
  --timeout <seconds>    give up when no peer delivers anything for this long (default ${DEFAULT_STALL_TIMEOUT_MS / 1000})
  --publisher <peerId>   accept the content only if this peer signed it (else WRONG_PUBLISHER)
  --json                 one JSON event per line: progress, done, seeding, error
  --data-dir, --listen, --bootstrap, --no-mdns, --download-limit, --network-key, -h/--help as for every command`


export async function get (parsed: Parsed, reporter: Reporter): Promise<number> {
  const target = parsed.positionals[0]
  if (target === undefined || parsed.positionals.length > 1) {
    throw new ShoalError(ErrorCode.BadArgument, 'get takes one link or content ID: shoal get <link-or-cid>')
  }
  const timeout = parsed.values.timeout !== undefined ? parseSeconds(parsed.values.timeout as string, '--timeout') : undefined
  trace('cli:get')
  const running = await findDaemon(parsed.values)
  if (running !== undefined) return await getViaDaemon(running, parsed, reporter)
  const node = await createNode(oneShotGetOptions(target, parsed.values, nodeOptions(parsed.values)), {
    warning: message => reporter.note(`warning: ${message}`)
  })
  trace('cli:node')
  const interrupt = signalOnInterrupt()
  try {
    const line = reporter.tty ? new ProgressLine(process.stderr) : undefined
    let lastJson = 0
    const result = await node.get(target, {
      output: parsed.values.output as string | undefined,
      timeoutMs: timeout !== undefined ? timeout * 1000 : undefined,
      publisher: parsed.values.publisher as string | undefined,
      signal: interrupt.signal,
      onProgress: p => {
        line?.update(renderProgress(p))
        if (reporter.json && (Date.now() - lastJson >= JSON_PROGRESS_INTERVAL_MS || p.phase === 'done')) {
          lastJson = Date.now()
          reporter.event(progressEvent(p))
        }
      }
    })
    line?.clear()
    // With --seed, listen for signals before `done`/`seeding` are printed: a script may signal as soon as it reads them.
    const signalled = parsed.values.seed === true ? untilSignal() : undefined
    interrupt.dispose()
    reportDone(result, reporter)
    trace('cli:done')
    if (signalled !== undefined) {
      reporter.event({ event: 'seeding', peerId: node.peerId, addrs: node.addrs() })
      reporter.note('Seeding. Press Ctrl+C to stop.')
      await signalled
    }
    return 0
  } finally {
    interrupt.dispose()
    await node.stop()
  }
}
