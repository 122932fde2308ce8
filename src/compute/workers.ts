/**
 * Finding workers without any central list, as storage finds volunteers: peers that provide the
 * compute offer key in Shoal's DHT, and connected peers whose identify lists `/shoal/compute/1.0.0`.
 * In a private network only members can connect at all, so only members are found.
 */
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import type { NodeComponents } from '../node/service.js'
import { COMPUTE_OFFER_KEY_TEXT, COMPUTE_PROTOCOL, MAX_WORKER_CANDIDATES } from './constants.js'

/** The DHT key every worker provides. */
export async function computeOfferKey (): Promise<CID> {
  return CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(COMPUTE_OFFER_KEY_TEXT)))
}

/** Peers that say they run jobs, connected ones first; never ourselves, excluded or banned peers. */
export async function findWorkers (c: NodeComponents, exclude: Set<string>, signal: AbortSignal, searchMs: number): Promise<string[]> {
  const found = new Set<string>()
  const usable = (id: string): boolean => id !== c.peerId && !exclude.has(id) && !c.scores.isBanned(id)
  for (const peer of c.libp2p.getPeers()) {
    const id = peer.toString()
    if (!usable(id)) continue
    const stored = await c.libp2p.peerStore.get(peer).catch(() => undefined)
    if (stored?.protocols.includes(COMPUTE_PROTOCOL) === true) found.add(id)
  }
  const search = AbortSignal.any([signal, AbortSignal.timeout(searchMs)])
  try {
    for await (const provider of c.libp2p.contentRouting.findProviders(await computeOfferKey(), { signal: search })) {
      const id = provider.id.toString()
      if (usable(id)) found.add(id)
      if (found.size >= MAX_WORKER_CANDIDATES) break
    }
  } catch {
    // A DHT with no peers, or the search time ran out: the connected workers are what we have.
  }
  return [...found].slice(0, MAX_WORKER_CANDIDATES)
}
