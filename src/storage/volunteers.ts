/**
 * Finding volunteers without any central list: peers that provide the offer key in Shoal's DHT,
 * and connected peers whose identify lists `/shoal/store/1.0.0`. In a private network only members
 * can connect at all, so only members are found. Failure domains: one per IPv4 /24 or IPv6 /48 of
 * the address we reach a peer on.
 */
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import type { NodeComponents } from '../node/service.js'
import { MAX_CANDIDATES, OFFER_KEY_TEXT, STORE_PROTOCOL } from './constants.js'

/** The DHT key every volunteer provides. */
export async function offerKey (): Promise<CID> {
  return CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(OFFER_KEY_TEXT)))
}

/** Peers that say they take storage requests, connected ones first; never ourselves or banned peers. */
export async function findVolunteers (c: NodeComponents, exclude: Set<string>, signal: AbortSignal, searchMs: number): Promise<string[]> {
  const found = new Set<string>()
  const usable = (id: string): boolean => id !== c.peerId && !exclude.has(id) && !c.scores.isBanned(id)
  for (const peer of c.libp2p.getPeers()) {
    const id = peer.toString()
    if (!usable(id)) continue
    const stored = await c.libp2p.peerStore.get(peer).catch(() => undefined)
    if (stored?.protocols.includes(STORE_PROTOCOL) === true) found.add(id)
  }
  const search = AbortSignal.any([signal, AbortSignal.timeout(searchMs)])
  try {
    for await (const provider of c.libp2p.contentRouting.findProviders(await offerKey(), { signal: search })) {
      const id = provider.id.toString()
      if (usable(id)) found.add(id)
      if (found.size >= MAX_CANDIDATES) break
    }
  } catch {
    // A DHT with no peers, or the search time ran out: the connected volunteers are what we have.
  }
  return [...found].slice(0, MAX_CANDIDATES)
}
