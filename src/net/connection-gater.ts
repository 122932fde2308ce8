import type { ConnectionGater, PeerId } from '@libp2p/interface'

/**
 * Most connections one peer may hold to us at once. Two nodes dialling each other at the same
 * moment end up with two; more than a handful is a peer trying to eat our connection slots.
 */
export const MAX_CONNECTIONS_PER_PEER = 8

export interface GaterRules {
  /** Peers we refuse to deal with (PeerScores). */
  isBanned: (peerId: string) => boolean
  /** Connections open with a peer right now. */
  connectionsOf: (peerId: PeerId) => number
}

/**
 * Who may connect: a banned peer is neither dialled nor accepted (checked as soon as the
 * encryption handshake tells who it is, both ways, since a dial by address learns the peer ID only
 * then), and a peer already holding MAX_CONNECTIONS_PER_PEER connections gets no more.
 */
export function connectionGater (rules: GaterRules): ConnectionGater {
  const banned = (peerId: PeerId): boolean => rules.isBanned(peerId.toString())
  return {
    denyDialPeer: banned,
    denyInboundEncryptedConnection: banned,
    denyOutboundEncryptedConnection: banned,
    denyInboundUpgradedConnection: peerId => rules.connectionsOf(peerId) >= MAX_CONNECTIONS_PER_PEER
  }
}
