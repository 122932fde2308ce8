import type { Uint8ArrayList } from 'uint8arraylist'
/**
 * The messages of `/shoal/swarm/1.0.0`, as values. Byte fields of decoded messages are views of the
 * received frame: copy them if you keep them long after the message is handled.
 */

/** Requester → provider: the first message on a stream; names the content (binary CID). */
export interface OpenMessage { type: 'open', cid: Uint8Array }
export interface GetManifestMessage { type: 'get-manifest' }
/** Asks for the piece hashes of one file of the manifest (index into `files`). */
export interface GetHashesMessage { type: 'get-hashes', file: number }
export interface RequestMessage { type: 'request', piece: number }
export interface CancelMessage { type: 'cancel', piece: number }
export interface GetPeersMessage { type: 'get-peers' }

/** Provider → requester: which pieces the provider has (MSB first, see bitfield.ts). */
export interface BitfieldMessage { type: 'bitfield', pieceCount: number, bits: Uint8Array }
/** The opaque signed manifest envelope. */
export interface ManifestMessage { type: 'manifest', signed: Uint8Array }
/** The SHA-256 piece hashes of one file, concatenated (n × 32 bytes). */
export interface HashesMessage { type: 'hashes', file: number, hashes: Uint8Array }
/**
 * A piece's bytes: one array, or (as received, when the frame spanned several network chunks)
 * the list of those chunks, so a large piece is hashed and written without being copied whole.
 */
export type PieceData = Uint8Array | Uint8ArrayList
export interface PieceMessage { type: 'piece', piece: number, data: PieceData }
/** The provider verified a new piece since its bitfield. */
export interface HaveMessage { type: 'have', piece: number }
/** The provider will not serve this piece now (does not have it, or is too busy). */
export interface RejectMessage { type: 'reject', piece: number }
export interface PeerRecord {
  /** Peer id multihash bytes. */
  id: Uint8Array
  /** Multiaddr bytes. */
  addrs: Uint8Array[]
}
export interface PeersMessage { type: 'peers', peers: PeerRecord[] }
/** The provider does not have this content. */
export interface NotFoundMessage { type: 'not-found' }

export type RequesterMessage =
  | OpenMessage
  | GetManifestMessage
  | GetHashesMessage
  | RequestMessage
  | CancelMessage
  | GetPeersMessage

export type ProviderMessage =
  | BitfieldMessage
  | ManifestMessage
  | HashesMessage
  | PieceMessage
  | HaveMessage
  | RejectMessage
  | PeersMessage
  | NotFoundMessage

export type Message = RequesterMessage | ProviderMessage
export type MessageType = Message['type']

const REQUESTER_TYPES: ReadonlySet<string> = new Set<RequesterMessage['type']>([
  'open', 'get-manifest', 'get-hashes', 'request', 'cancel', 'get-peers'
])

/** True for messages only a requester may send (a provider receiving anything else breaks protocol). */
export function isRequesterMessage (m: Message): m is RequesterMessage {
  return REQUESTER_TYPES.has(m.type)
}

/** True for messages only a provider may send. */
export function isProviderMessage (m: Message): m is ProviderMessage {
  return !REQUESTER_TYPES.has(m.type)
}
