import { Uint8ArrayList } from 'uint8arraylist'
import { ErrorCode, ShoalError } from '../../errors.js'
import { checkBitfieldBytes } from './bitfield.js'
import {
  HASH_BYTES,
  MAX_ADDR_BYTES,
  MAX_ADDRS_PER_PEER,
  MAX_CID_BYTES,
  MAX_HASHES_BYTES,
  MAX_PEER_ID_BYTES,
  MAX_PEERS_PER_MESSAGE,
  MAX_PIECE_BYTES,
  MAX_SIGNED_MANIFEST_BYTES,
  MAX_U32
} from './constants.js'
import type { Message, PeerRecord } from './messages.js'

/**
 * The field rules of every message, shared by the encoder (so we never send what a peer must
 * reject) and the decoder (after it has parsed the structure). Frame size is checked by the callers.
 */

export function badMessage (message: string): never {
  throw new ShoalError(ErrorCode.BadMessage, message)
}

function checkU32 (what: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_U32) {
    badMessage(`${what} must be a u32, got ${String(value)}`)
  }
}

function checkPieceData (value: unknown): void {
  if (value instanceof Uint8ArrayList) {
    if (value.byteLength < 1 || value.byteLength > MAX_PIECE_BYTES) badMessage(`piece data must be 1..${MAX_PIECE_BYTES} bytes, got ${value.byteLength}`)
    return
  }
  checkBytes('piece data', value, 1, MAX_PIECE_BYTES)
}

function checkBytes (what: string, value: unknown, min: number, max: number): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    badMessage(`${what} must be a Uint8Array`)
  }
  if (value.byteLength < min || value.byteLength > max) {
    badMessage(`${what} must be ${min}..${max} bytes, got ${value.byteLength}`)
  }
}

function checkPeers (peers: unknown): void {
  if (!Array.isArray(peers)) {
    badMessage('peers must be an array')
  }
  if (peers.length > MAX_PEERS_PER_MESSAGE) {
    badMessage(`at most ${MAX_PEERS_PER_MESSAGE} peers per message, got ${peers.length}`)
  }
  for (const peer of peers as Array<Partial<PeerRecord> | undefined>) {
    checkBytes('peer id', peer?.id, 1, MAX_PEER_ID_BYTES)
    const addrs: unknown = peer?.addrs
    if (!Array.isArray(addrs)) {
      badMessage('peer addrs must be an array')
    }
    if (addrs.length > MAX_ADDRS_PER_PEER) {
      badMessage(`at most ${MAX_ADDRS_PER_PEER} addrs per peer, got ${addrs.length}`)
    }
    for (const addr of addrs) {
      checkBytes('peer addr', addr, 1, MAX_ADDR_BYTES)
    }
  }
}

/** Throws ShoalError(BadMessage) unless every field of `m` is within the protocol's rules. */
export function checkMessage (m: Message): void {
  switch (m.type) {
    case 'open':
      checkBytes('cid', m.cid, 1, MAX_CID_BYTES)
      return
    case 'get-manifest':
    case 'get-peers':
    case 'not-found':
      return
    case 'get-hashes':
      checkU32('file', m.file)
      return
    case 'request':
    case 'cancel':
    case 'have':
    case 'reject':
      checkU32('piece', m.piece)
      return
    case 'bitfield':
      checkU32('pieceCount', m.pieceCount)
      checkBytes('bits', m.bits, 0, Number.MAX_SAFE_INTEGER)
      checkBitfieldBytes(m.pieceCount, m.bits)
      return
    case 'manifest':
      checkBytes('signed manifest', m.signed, 1, MAX_SIGNED_MANIFEST_BYTES)
      return
    case 'hashes':
      checkU32('file', m.file)
      checkBytes('hashes', m.hashes, 0, MAX_HASHES_BYTES)
      if (m.hashes.byteLength % HASH_BYTES !== 0) {
        badMessage(`hashes must be a multiple of ${HASH_BYTES} bytes, got ${m.hashes.byteLength}`)
      }
      return
    case 'piece':
      checkU32('piece', m.piece)
      // A piece is never empty: an empty file has no pieces.
      checkPieceData(m.data)
      return
    case 'peers':
      checkPeers(m.peers)
      return
    default:
      badMessage(`unknown message type ${String((m as { type?: unknown }).type)}`)
  }
}
