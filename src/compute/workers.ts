/**
 * Finding workers without any central list, as storage finds volunteers: peers that provide the
 * compute offer key in Shoal's DHT, and connected peers whose identify lists `/shoal/compute/1.0.0`.
 * In a private network only members can connect at all, so only members are found.
 */
import type { CID } from 'multiformats/cid'
import type { NodeComponents } from '../node/service.js'
import { findOffering, offerKeyOf } from '../node/offer-search.js'
import { MAX_WORKER_CANDIDATES, COMPUTE_OFFER_KEY_TEXT, COMPUTE_PROTOCOL } from './constants.js'

const OFFER = { keyText: COMPUTE_OFFER_KEY_TEXT, protocol: COMPUTE_PROTOCOL, max: MAX_WORKER_CANDIDATES }

/** The DHT key every worker provides. */
export async function computeOfferKey (): Promise<CID> {
  return await offerKeyOf(COMPUTE_OFFER_KEY_TEXT)
}

/** Peers that offer this, connected ones first; never ourselves, excluded or banned peers. */
export async function findWorkers (c: NodeComponents, exclude: Set<string>, signal: AbortSignal, searchMs: number): Promise<string[]> {
  return await findOffering(c, OFFER, exclude, signal, searchMs)
}
