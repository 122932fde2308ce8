/**
 * Finding the peers that offer a capability without any central list (storage volunteers, compute
 * workers): peers that provide the offer's key in Shoal's DHT, and connected peers whose identify
 * lists the offer's protocol. In a private network only members can connect, so only members are found.
 */
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import type { NodeComponents } from './service.js'

export interface Offer {
  /** The text whose SHA-256 is the DHT key every offering peer provides. */
  keyText: string
  /** The protocol an offering peer's identify lists. */
  protocol: string
  /** Most peers returned. */
  max: number
}

/** The DHT key every peer with this offer provides. */
export async function offerKeyOf (keyText: string): Promise<CID> {
  return CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(keyText)))
}

/** Peers with the offer, connected ones first; never ourselves, excluded or banned peers. */
export async function findOffering (c: NodeComponents, offer: Offer, exclude: Set<string>, signal: AbortSignal, searchMs: number): Promise<string[]> {
  const found = new Set<string>()
  const usable = (id: string): boolean => id !== c.peerId && !exclude.has(id) && !c.scores.isBanned(id)
  for (const peer of c.libp2p.getPeers()) {
    const id = peer.toString()
    if (!usable(id)) continue
    const stored = await c.libp2p.peerStore.get(peer).catch(() => undefined)
    if (stored?.protocols.includes(offer.protocol) === true) found.add(id)
  }
  const search = AbortSignal.any([signal, AbortSignal.timeout(searchMs)])
  try {
    for await (const provider of c.libp2p.contentRouting.findProviders(await offerKeyOf(offer.keyText), { signal: search })) {
      const id = provider.id.toString()
      if (usable(id)) found.add(id)
      if (found.size >= offer.max) break
    }
  } catch {
    // A DHT with no peers, or the search time ran out: the connected peers are what we have.
  }
  return [...found].slice(0, offer.max)
}
