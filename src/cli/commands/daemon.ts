import { DEFAULT_API_HOST, DEFAULT_API_PORT } from '../../daemon/constants.js'
import { ErrorCode, ShoalError } from '../../errors.js'
import { parseLogLevel } from '../../log/levels.js'
import { createLogger } from '../../log/logger.js'
import { nodeOptions, type Parsed } from '../args.js'
import type { Reporter } from '../reporter.js'
import { untilSignal } from '../signals.js'
import { findDaemon } from '../remote/find-daemon.js'
import { storageOptions } from '../storage-args.js'
import { computeOptions } from '../compute-args.js'

export const DAEMON_HELP = `Usage: shoal daemon [--api <host>:<port>] [--downloads <dir>] [options]

Runs a long-lived node with an HTTP API, a live event stream, a content gateway, Prometheus
metrics and a web dashboard, until interrupted (Ctrl+C or SIGTERM), then exits 0. Prints the
dashboard's URL, token included. Every API call needs the token, which lives in
<data-dir>/api-token. While it runs, 'shoal share', 'get', 'id', 'ls', 'peers' and 'status' on the
same data directory go through it. Unfinished downloads resume when the daemon starts again.

Options:
  --api <host>:<port>    where the API listens (default ${DEFAULT_API_HOST}:${DEFAULT_API_PORT}; port 0 picks one)
  --downloads <dir>      where dashboard and gateway downloads go (default <data-dir>/downloads)
  --offer-storage <size> volunteer this much disk (k/M/G/T) to keep others' sealed contents
  --audit-interval <s>   audit every holder of what this node replicates this often (default 6h)
  --repair-after <s>     replace a holder unreachable this long (default 24h)
  --offer-compute <n>    run up to n jobs of others at once, at low priority (members only in a private network)
  --compute-memory <size> most module memory a job may ask for (default 256M)
  --compute-timeout <s>  longest time limit a job may ask for (default 60s)
  --log-level <level>    error, warn, info (default) or debug; logs go to stderr, JSON when not a terminal
  --json                 {"event":"api","url":"http://…/#token=…",…} on stdout
  --data-dir, --listen, --bootstrap, --no-mdns, --upload-limit, -h/--help as for every command

API: docs/openapi.yaml.`

export async function daemon (parsed: Parsed, reporter: Reporter): Promise<number> {
  if (parsed.positionals.length > 0) throw new ShoalError(ErrorCode.BadArgument, 'daemon takes no arguments: shoal daemon [--api <host>:<port>]')
  const api = parseApiAddress((parsed.values.api as string | undefined) ?? `${DEFAULT_API_HOST}:${DEFAULT_API_PORT}`)
  const level = parsed.values['log-level'] !== undefined ? parseLogLevel(parsed.values['log-level'] as string) : undefined
  const logger = createLogger(level)
  const running = await findDaemon(parsed.values)
  if (running !== undefined) {
    throw new ShoalError(ErrorCode.DataDirInUse, `a daemon already runs for ${running.dataDir} (pid ${running.pid}, ${running.client.url}); 'shoal dashboard' prints its URL`)
  }
  if (!isLoopback(api.host)) logger.warn('the API listens beyond this machine: anyone who can reach it and has the token can drive this node', { host: api.host })
  // Listen for signals before the `api` line: a script may signal as soon as it reads it.
  const signalled = untilSignal()
  // Loaded only here: the HTTP API, the dashboard and the metrics are no weight on other commands.
  const { Daemon } = await import('../../daemon/daemon.js')
  const service = await Daemon.start({
    node: { ...nodeOptions(parsed.values), storage: storageOptions(parsed.values), compute: computeOptions(parsed.values) },
    apiHost: api.host,
    apiPort: api.port,
    downloadsDir: parsed.values.downloads as string | undefined,
    logger
  })
  try {
    const status = service.status()
    reporter.event({ event: 'api', url: service.dashboardUrl, api: service.url, peerId: status.peerId, addrs: status.addrs, dataDir: status.dataDir, downloadsDir: status.downloadsDir })
    reporter.say(`Shoal daemon running. Dashboard: ${service.dashboardUrl}`)
    reporter.say(`  peer ${status.peerId}`)
    for (const addr of status.addrs) reporter.say(`  ${addr}`)
    reporter.say(`  downloads go to ${status.downloadsDir}`)
    reporter.note('Press Ctrl+C to stop.')
    await signalled
    return 0
  } finally {
    await service.stop()
  }
}

/** `127.0.0.1:5110`, `[::1]:5110`, `localhost:0`, or a bare port. */
export function parseApiAddress (text: string): { host: string, port: number } {
  const trimmed = text.trim()
  const match = /^(?:(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):)?(\d{1,5})$/.exec(trimmed)
  const port = Number(match?.[3])
  if (match === null || !(port >= 0 && port <= 65535)) {
    throw new ShoalError(ErrorCode.BadArgument, `--api takes <host>:<port> (e.g. 127.0.0.1:5110): got '${text}'`)
  }
  return { host: match[1] ?? match[2] ?? DEFAULT_API_HOST, port }
}

function isLoopback (host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host)
}
