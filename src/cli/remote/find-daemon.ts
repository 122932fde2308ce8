import { resolve } from 'node:path'
import { ApiClient } from '../../api/client.js'
import { readDaemonAddress } from '../../daemon/api-file.js'
import { defaultDataDir } from '../../net/data-dir.js'
import type { Parsed } from '../args.js'

/** How long the CLI gives a daemon to answer before running its own node instead. */
export const DAEMON_PROBE_TIMEOUT_MS = 2_000

export interface FoundDaemon { client: ApiClient, pid: number, token: string, dataDir: string }

/** The data directory a command works on: `--data-dir`, else $SHOAL_HOME, else ~/.shoal. */
export function dataDirOf (values: Parsed['values']): string {
  const given = values['data-dir']
  return typeof given === 'string' ? resolve(given) : defaultDataDir()
}

/**
 * The daemon serving this data directory, if one runs and answers: then `share`, `get`, `ls`,
 * `peers` and `status` go through it (as `ipfs` commands do with a running `ipfs daemon`)
 * instead of starting a node of their own.
 */
export async function findDaemon (values: Parsed['values']): Promise<FoundDaemon | undefined> {
  const dataDir = dataDirOf(values)
  const address = await readDaemonAddress(dataDir)
  if (address === undefined) return undefined
  const client = new ApiClient(address.url, address.token)
  try {
    await client.status(DAEMON_PROBE_TIMEOUT_MS)
  } catch {
    return undefined
  }
  return { client, pid: address.pid, token: address.token, dataDir }
}
