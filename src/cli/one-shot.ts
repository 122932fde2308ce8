import { parseLink } from '../content/link.js'
import type { NodeOptions } from '../node/node.js'
import type { Parsed } from './args.js'

/**
 * The node a one-shot `shoal get` runs: one that fetches from the peers its link names and exits.
 * Nobody needs to reach it, so it starts without what only a node others reach pays for: no
 * WebSockets transport or listener (pages reach seeders, not a `get`), no relay reservations,
 * relay service, AutoNAT or UPnP (reach/options.ts `shortLived`), and the DHT as a client (it
 * still looks up and announces; peers do not keep it in their routing tables, where it would
 * linger once it has exited). Together about a fifth of a cold get's CPU, on both sides of its
 * first connection (docs/benchmarks.md, round 7).
 *
 * Only when the link names peers and every one by a direct address: a bare CID (found through
 * the DHT) or a peer behind a relay keeps the full node, as `--seed` and explicit `--ws-*` do.
 */
export function oneShotGetOptions (target: string, values: Parsed['values'], options: NodeOptions): NodeOptions {
  if (values.seed === true || values['ws-port'] !== undefined || values['ws-cert'] !== undefined) return options
  let peers
  try {
    peers = parseLink(target).peers
  } catch {
    return options // node.get reports the bad link as it always has
  }
  if (peers.length === 0 || peers.some(a => a.getComponents().some(c => c.name === 'p2p-circuit'))) return options
  return {
    ...options,
    webSockets: false,
    reach: options.reach === false ? false : { ...options.reach, shortLived: true },
    dhtClient: true
  }
}
