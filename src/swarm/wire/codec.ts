import { Uint8ArrayList } from 'uint8arraylist'
import { ErrorCode, ShoalError } from '../../errors.js'
import { ByteReader } from './byte-reader.js'
import { FRAME_HEADER_BYTES, MAX_FRAME_BYTES, MAX_PEERS_PER_MESSAGE, MESSAGE_CODES } from './constants.js'
import { badMessage, checkMessage } from './limits.js'
import type { Message, PeerRecord } from './messages.js'

/**
 * Frame = u32 BE length of the rest, u8 type, payload. Fixed fields come first; a message's one
 * large byte field (bits, signed, hashes, data) runs to the end of the frame, so its length is the
 * frame's and it can be sent and received without a copy.
 */

/** Bytes of the frame body (type byte + payload) of a valid message. */
function bodyLength (m: Message): number {
  switch (m.type) {
    case 'open': return 1 + 1 + m.cid.byteLength
    case 'get-manifest':
    case 'get-peers':
    case 'not-found': return 1
    case 'get-hashes':
    case 'request':
    case 'cancel':
    case 'have':
    case 'reject': return 1 + 4
    case 'bitfield': return 1 + 4 + m.bits.byteLength
    case 'manifest': return 1 + m.signed.byteLength
    case 'hashes': return 1 + 4 + m.hashes.byteLength
    case 'piece': return 1 + 4 + m.data.byteLength
    case 'peers': {
      let n = 1 + 1
      for (const peer of m.peers) {
        n += 1 + peer.id.byteLength + 1
        for (const addr of peer.addrs) {
          n += 1 + addr.byteLength
        }
      }
      return n
    }
  }
}

/** The large trailing byte field sent as its own chunk(s), if the message has one. */
function tailOf (m: Message): Uint8Array | Uint8ArrayList | undefined {
  switch (m.type) {
    case 'bitfield': return m.bits
    case 'manifest': return m.signed
    case 'hashes': return m.hashes
    case 'piece': return m.data
    default: return undefined
  }
}

function checkedBodyLength (m: Message): number {
  checkMessage(m)
  const body = bodyLength(m)
  if (body > MAX_FRAME_BYTES) {
    throw new ShoalError(ErrorCode.FrameTooLarge, `${m.type} message needs a ${body} byte frame, limit ${MAX_FRAME_BYTES}`)
  }
  return body
}

/** Total bytes `encodeMessage(m)` produces, length prefix included. Validates like encodeMessage. */
export function encodedLength (m: Message): number {
  return FRAME_HEADER_BYTES + checkedBodyLength(m)
}

/**
 * Encodes one message as a whole frame (length prefix included), as chunks to be written in
 * order: a header chunk, then for bitfield/manifest/hashes/piece the caller's own bytes (not copied).
 * Throws ShoalError(BadMessage / FrameTooLarge) for a message a peer would have to reject.
 */
export function encodeMessage (m: Message): Uint8Array[] {
  const body = checkedBodyLength(m)
  const tail = tailOf(m)
  const head = new Uint8Array(FRAME_HEADER_BYTES + body - (tail?.byteLength ?? 0))
  const view = new DataView(head.buffer)
  view.setUint32(0, body, false)
  head[FRAME_HEADER_BYTES] = MESSAGE_CODES[m.type]
  let o = FRAME_HEADER_BYTES + 1
  const putBytes = (bytes: Uint8Array): void => {
    head[o++] = bytes.byteLength
    head.set(bytes, o)
    o += bytes.byteLength
  }
  switch (m.type) {
    case 'open':
      putBytes(m.cid)
      break
    case 'get-hashes':
    case 'hashes':
      view.setUint32(o, m.file, false)
      break
    case 'request':
    case 'cancel':
    case 'have':
    case 'reject':
    case 'piece':
      view.setUint32(o, m.piece, false)
      break
    case 'bitfield':
      view.setUint32(o, m.pieceCount, false)
      break
    case 'peers':
      head[o++] = m.peers.length
      for (const peer of m.peers) {
        putBytes(peer.id)
        head[o++] = peer.addrs.length
        for (const addr of peer.addrs) {
          putBytes(addr)
        }
      }
      break
    default:
      break
  }
  if (tail === undefined || tail.byteLength === 0) return [head]
  return tail instanceof Uint8Array ? [head, tail] : [head, ...tail]
}

function decodePeers (r: ByteReader): PeerRecord[] {
  const count = r.u8()
  // Checked before the loop; checkMessage re-checks every field afterwards.
  if (count > MAX_PEERS_PER_MESSAGE) {
    badMessage(`at most ${MAX_PEERS_PER_MESSAGE} peers per message, got ${count}`)
  }
  const peers: PeerRecord[] = []
  for (let i = 0; i < count; i++) {
    const id = r.bytesView(r.u8())
    const addrCount = r.u8()
    const addrs: Uint8Array[] = []
    for (let j = 0; j < addrCount; j++) {
      addrs.push(r.bytesView(r.u8()))
    }
    peers.push({ id, addrs })
  }
  return peers
}

type Decoder = (r: ByteReader) => Message

const DECODERS: ReadonlyMap<number, Decoder> = new Map<number, Decoder>([
  [MESSAGE_CODES.open, r => ({ type: 'open', cid: r.bytesView(r.u8()) })],
  [MESSAGE_CODES['get-manifest'], () => ({ type: 'get-manifest' })],
  [MESSAGE_CODES['get-hashes'], r => ({ type: 'get-hashes', file: r.u32() })],
  [MESSAGE_CODES.request, r => ({ type: 'request', piece: r.u32() })],
  [MESSAGE_CODES.cancel, r => ({ type: 'cancel', piece: r.u32() })],
  [MESSAGE_CODES['get-peers'], () => ({ type: 'get-peers' })],
  [MESSAGE_CODES.bitfield, r => ({ type: 'bitfield', pieceCount: r.u32(), bits: r.rest() })],
  [MESSAGE_CODES.manifest, r => ({ type: 'manifest', signed: r.rest() })],
  [MESSAGE_CODES.hashes, r => ({ type: 'hashes', file: r.u32(), hashes: r.rest() })],
  [MESSAGE_CODES.piece, r => ({ type: 'piece', piece: r.u32(), data: r.rest() })],
  [MESSAGE_CODES.have, r => ({ type: 'have', piece: r.u32() })],
  [MESSAGE_CODES.reject, r => ({ type: 'reject', piece: r.u32() })],
  [MESSAGE_CODES.peers, r => ({ type: 'peers', peers: decodePeers(r) })],
  [MESSAGE_CODES['not-found'], () => ({ type: 'not-found' })]
])

const NAMES: ReadonlyMap<number, string> = new Map(Object.entries(MESSAGE_CODES).map(([name, code]) => [code, name]))

/**
 * Decodes one frame body (type byte + payload, without the length prefix). Strict: an unknown type,
 * a short or overlong payload or any broken limit throws ShoalError(BadMessage); a body over
 * MAX_FRAME_BYTES throws ShoalError(FrameTooLarge). Byte fields are views of `frame`.
 */
export function decodeMessage (frame: Uint8Array | Uint8ArrayList): Message {
  if (frame instanceof Uint8ArrayList) {
    return decodeListFrame(frame)
  }
  if (!(frame instanceof Uint8Array) || frame.byteLength === 0) {
    badMessage('empty frame')
  }
  if (frame.byteLength > MAX_FRAME_BYTES) {
    throw new ShoalError(ErrorCode.FrameTooLarge, `frame of ${frame.byteLength} bytes exceeds ${MAX_FRAME_BYTES}`)
  }
  const code = frame[0] ?? 0
  const decoder = DECODERS.get(code)
  if (decoder === undefined) {
    badMessage(`unknown message type 0x${code.toString(16).padStart(2, '0')}`)
  }
  const r = new ByteReader(frame, 1, NAMES.get(code) ?? 'unknown')
  const m = decoder(r)
  r.end()
  checkMessage(m)
  return m
}

/**
 * A frame that arrived in several chunks (FrameReader): a piece keeps its data as the list of
 * those chunks (not copied); any other message is joined and decoded as usual.
 */
function decodeListFrame (frame: Uint8ArrayList): Message {
  if (frame.byteLength > MAX_FRAME_BYTES) {
    throw new ShoalError(ErrorCode.FrameTooLarge, `frame of ${frame.byteLength} bytes exceeds ${MAX_FRAME_BYTES}`)
  }
  if (frame.byteLength < 1 + 4 || frame.get(0) !== MESSAGE_CODES.piece) {
    return decodeMessage(frame.subarray())
  }
  const m: Message = { type: 'piece', piece: frame.getUint32(1, false), data: frame.sublist(1 + 4) }
  checkMessage(m)
  return m
}
