import type { CID } from 'multiformats/cid'
import { sleep } from '../sleep.js'

/** How often a running download asks the DHT again for providers. */
export const SEARCH_INTERVAL_MS = 10_000
/** One DHT lookup is abandoned after this long. */
export const SEARCH_TIMEOUT_MS = 20_000

export interface FoundPeer { id: string }

/**
 * With peers named in the link or already connected, the first lookup waits this long (unless
 * none of them turns out to have the content): a small download is usually done by then, and a
 * DHT walk (dialling peers of the routing table) would only compete with it.
 */
export const SEARCH_DELAY_WITH_HINTS_MS = 1_000

/**
 * A download fetching from at least this many peers skips its DHT lookups: it has a swarm, and
 * in a flash crowd a lookup every SEARCH_INTERVAL_MS by every downloader is most of the libp2p
 * work (a stream per peer asked, each answer's peers merged into the peer store and dialled,
 * departed peers dialled on every address they had): docs/benchmarks.md, round 7.
 */
export const SEARCH_PAUSE_PEERS = 4

/**
 * Asks the DHT for providers of `cid` after `delayMs` (or as soon as `wake` aborts, if sooner),
 * then every SEARCH_INTERVAL_MS until `signal` aborts, handing each provider found to `onPeer`.
 * Lookups failing (no DHT peers yet) is normal early on and is simply retried. `peersNow` (the
 * peers the download fetches from): a lookup is skipped while it is SEARCH_PAUSE_PEERS or more.
 */
export async function searchProviders (
  find: (cid: CID, signal: AbortSignal) => AsyncIterable<FoundPeer>,
  cid: CID,
  onPeer: (peerId: string) => void,
  signal: AbortSignal,
  delayMs = 0,
  wake?: AbortSignal,
  peersNow?: () => number
): Promise<void> {
  if (delayMs > 0) await sleep(delayMs, wake !== undefined ? AbortSignal.any([signal, wake]) : signal)
  while (!signal.aborted) {
    if ((peersNow?.() ?? 0) >= SEARCH_PAUSE_PEERS) {
      await sleep(SEARCH_INTERVAL_MS, signal)
      continue
    }
    const lookup = AbortSignal.any([signal, AbortSignal.timeout(SEARCH_TIMEOUT_MS)])
    try {
      for await (const peer of find(cid, lookup)) {
        onPeer(peer.id)
      }
    } catch {
      // No peers in the routing table yet, or the lookup timed out: try again later.
    }
    await sleep(SEARCH_INTERVAL_MS, signal)
  }
}
