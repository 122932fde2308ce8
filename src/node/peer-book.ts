import { peerIdFromMultihash, peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import * as Digest from 'multiformats/hashes/digest'
import type { ShoalLibp2p } from '../net/libp2p.js'
import { MAX_ADDR_BYTES, MAX_ADDRS_PER_PEER } from '../swarm/wire/constants.js'
import type { PeerRecord } from '../swarm/wire/messages.js'

/** A peer's addresses, once read from the peer store, are given out for this long without a new read. */
export const DESCRIBE_CACHE_MS = 10_000
/** Most peers whose addresses are kept for peer exchange (the oldest go first). */
export const DESCRIBE_CACHE_PEERS = 1024

/**
 * Bridges Shoal's peer records (peer exchange, link hints) and libp2p's peer store, so that a peer
 * learned from anywhere can be dialled by its ID alone.
 */
export class PeerBook {
  /** Answers to peer exchange, by peer ID: every peer of a crowd asks every few seconds. */
  private readonly described = new Map<string, { record: PeerRecord | undefined, at: number }>()

  constructor (private readonly libp2p: Pick<ShoalLibp2p, 'peerId' | 'peerStore' | 'getConnections'>, private readonly now: () => number = Date.now) {}

  /**
   * Remembers addresses given with a `/p2p/<id>` suffix; returns the peer IDs. A peer's addresses
   * go in together: a dial that starts on the first one (libp2p's relay discovery dials peers as
   * they appear) then has them all, so a relay circuit is not left waiting behind a LAN address.
   */
  async addAddrs (addrs: Multiaddr[]): Promise<string[]> {
    const byPeer = new Map<string, Multiaddr[]>()
    for (const addr of addrs) {
      const id = addr.getComponents().findLast(c => c.name === 'p2p')?.value ?? null
      if (id === null || id === this.libp2p.peerId.toString()) continue
      byPeer.set(id, [...(byPeer.get(id) ?? []), addr])
    }
    const ids: string[] = []
    for (const [id, peerAddrs] of byPeer) {
      try {
        await this.libp2p.peerStore.merge(peerIdFromString(id), { multiaddrs: peerAddrs })
        ids.push(id)
      } catch {}
    }
    return ids
  }

  async learn (records: PeerRecord[]): Promise<string[]> {
    const ids: string[] = []
    for (const record of records) {
      try {
        const peerId = peerIdFromMultihash(Digest.decode(record.id))
        if (peerId.equals(this.libp2p.peerId)) continue
        // A connected peer needs no address: skipping the peer store write matters in a crowd,
        // where every peer hears about every other one every PEER_EXCHANGE_INTERVAL_MS.
        if (this.libp2p.getConnections(peerId).length === 0) {
          const addrs = record.addrs.slice(0, MAX_ADDRS_PER_PEER).map(bytes => multiaddr(bytes))
          if (addrs.length > 0) await this.libp2p.peerStore.merge(peerId, { multiaddrs: addrs })
        }
        ids.push(peerId.toString())
      } catch {
        // A malformed record from a peer is skipped, not trusted.
      }
    }
    return ids
  }

  /** Peer records (ID and addresses) for peer exchange; peers without a known address are left out. */
  async describe (peerIds: string[]): Promise<PeerRecord[]> {
    const records: PeerRecord[] = []
    for (const id of peerIds) {
      const record = await this.describeOne(id)
      if (record !== undefined) records.push(record)
    }
    return records
  }

  private async describeOne (id: string): Promise<PeerRecord | undefined> {
    const now = this.now()
    const cached = this.described.get(id)
    if (cached !== undefined && now - cached.at < DESCRIBE_CACHE_MS) return cached.record
    let record: PeerRecord | undefined
    try {
      const peerId = peerIdFromString(id)
      const peer = await this.libp2p.peerStore.get(peerId)
      const addrs = peer.addresses.map(a => a.multiaddr.bytes).filter(b => b.byteLength <= MAX_ADDR_BYTES).slice(0, MAX_ADDRS_PER_PEER)
      if (addrs.length > 0) record = { id: peerId.toMultihash().bytes, addrs }
    } catch {}
    this.described.delete(id) // re-inserted last: the Map's order is the order of the reads
    this.described.set(id, { record, at: now })
    if (this.described.size > DESCRIBE_CACHE_PEERS) this.described.delete(this.described.keys().next().value as string)
    return record
  }
}
