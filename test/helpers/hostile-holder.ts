/**
 * A hostile volunteer: the bare libp2p node of hostile-peer.ts answering `/shoal/store/1.0.0` as
 * docs/protocol.md describes it (through src/storage's codec): it offers plenty of room, accepts
 * every lease, says it holds everything, then serves the swarm protocol with `behaviour`
 * (`wrong-data`: garbage pieces; `silent`: nothing at all).
 */
import type { FileHandle } from 'node:fs/promises'
import type { Stream, Connection } from '@libp2p/interface'
import { CID } from 'multiformats/cid'
import { MAX_LEASE_MS, STORE_PROTOCOL } from '../../src/storage/constants.js'
import type { StoreAnswer, StoreRequestMessage } from '../../src/storage/messages.js'
import { serveStore } from '../../src/storage/store-stream.js'
import { HostilePeer, type ProviderBehaviour, type Stolen } from './hostile-peer.js'

const PLENTY = 2 ** 40

export async function startHostileHolder (behaviour: ProviderBehaviour, source: FileHandle): Promise<HostilePeer & { leases: number }> {
  const peer = Object.assign(await HostilePeer.start(), { leases: 0 })
  let stolen: Stolen | undefined
  const answer = async (request: StoreRequestMessage): Promise<StoreAnswer> => {
    switch (request.type) {
      case 'offer': return { type: 'offered', freeBytes: PLENTY, ownerBytes: PLENTY, maxLeaseMs: MAX_LEASE_MS }
      case 'store':
        peer.leases++
        if (stolen === undefined && request.origins[0] !== undefined) {
          stolen = await peer.copyMetadata(request.origins[0], CID.parse(request.cid))
          peer.serve(stolen, behaviour, source)
        }
        return { type: 'accepted', expiresAt: Date.now() + request.leaseMs }
      case 'status': {
        const pieces = stolen?.layout.pieceCount ?? 0
        return { type: 'status', state: stolen !== undefined ? 'held' : 'fetching', pieces, verifiedPieces: pieces, expiresAt: Date.now() + MAX_LEASE_MS }
      }
      default: return { type: 'ok', expiresAt: Date.now() + MAX_LEASE_MS }
    }
  }
  await peer.libp2p.handle(STORE_PROTOCOL, (stream: Stream, connection: Connection) => {
    void serveStore(stream, connection, answer)
  })
  return peer
}
