import { dashboardUrl } from '../../daemon/api-file.js'
import { ErrorCode, ShoalError } from '../../errors.js'
import type { Parsed } from '../args.js'
import type { Reporter } from '../reporter.js'
import { dataDirOf, findDaemon } from '../remote/find-daemon.js'

export const DASHBOARD_HELP = `Usage: shoal dashboard [--data-dir <dir>] [--json]

Prints the running daemon's dashboard URL, token included (open it in a browser).

Options:
  --json                 {"event":"api","url":"http://…/#token=…","api":"http://…"}
  --data-dir <dir>       the daemon's data directory (default $SHOAL_HOME or ~/.shoal)`

export async function dashboard (parsed: Parsed, reporter: Reporter): Promise<number> {
  const found = await findDaemon(parsed.values)
  if (found === undefined) throw noDaemon(dataDirOf(parsed.values))
  const url = dashboardUrl({ url: found.client.url, token: found.token })
  reporter.event({ event: 'api', url, api: found.client.url })
  reporter.say(url)
  return 0
}

export function noDaemon (dataDir: string): ShoalError {
  return new ShoalError(ErrorCode.NoDaemon, `no daemon is running for ${dataDir}; start one with 'shoal daemon'`)
}
