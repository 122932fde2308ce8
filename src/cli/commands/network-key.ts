import { ErrorCode, ShoalError } from '../../errors.js'
import { generateNetworkKey } from '../../net/network-key.js'
import type { Parsed } from '../args.js'
import type { Reporter } from '../reporter.js'

export const NETWORK_KEY_HELP = `Usage: shoal network-key [--json]

Prints a new random key for a private network to stdout. Save it and give it to every node of
the network: nodes started with --network-key <file> connect only to nodes with the same key.

  shoal network-key > swarm.key
  shoal share ./data --network-key swarm.key

Options:
  --json                 {"event":"network-key","key":"/key/swarm/psk/1.0.0/\\n/base16/\\n…"}`

/** Needs no node and no data directory: the key is 32 random bytes in libp2p's swarm.key format. */
export async function networkKey (parsed: Parsed, reporter: Reporter): Promise<number> {
  if (parsed.positionals.length > 0) throw new ShoalError(ErrorCode.BadArgument, 'network-key takes no arguments: shoal network-key > swarm.key')
  const key = generateNetworkKey()
  if (reporter.json) reporter.event({ event: 'network-key', key })
  else process.stdout.write(key)
  return 0
}
