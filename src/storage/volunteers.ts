/**
 * Finding volunteers without any central list: peers that provide the offer key in Shoal's DHT,
 * and connected peers whose identify lists `/shoal/store/1.0.0`. In a private network only members
 * can connect at all, so only members are found (node/offer-search.ts).
 */
import type { CID } from 'multiformats/cid'
import type { NodeComponents } from '../node/service.js'
import { findOffering, offerKeyOf } from '../node/offer-search.js'
import { MAX_CANDIDATES, OFFER_KEY_TEXT, STORE_PROTOCOL } from './constants.js'

const OFFER = { keyText: OFFER_KEY_TEXT, protocol: STORE_PROTOCOL, max: MAX_CANDIDATES }

/** The DHT key every volunteer provides. */
export async function offerKey (): Promise<CID> {
  return await offerKeyOf(OFFER_KEY_TEXT)
}

/** Peers that offer this, connected ones first; never ourselves, excluded or banned peers. */
export async function findVolunteers (c: NodeComponents, exclude: Set<string>, signal: AbortSignal, searchMs: number): Promise<string[]> {
  return await findOffering(c, OFFER, exclude, signal, searchMs)
}
