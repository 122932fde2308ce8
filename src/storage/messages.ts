/**
 * `/shoal/store/1.0.0` messages: one request, one answer, each a frame of a u32be length and
 * canonical JSON (fixed key order, no whitespace). Decoding accepts exactly the keys of a type and
 * values within the limits of constants.ts; anything else is BAD_MESSAGE. Requests that change a
 * holder's state (store, renew, release) carry the owner's Ed25519 signature over
 * STORE_SIGNATURE_DOMAIN ‖ the request's canonical bytes without `sig` (see signing.ts).
 */
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { parseLink } from '../content/link.js'
import { ErrorCode, ShoalError } from '../errors.js'
import { MAX_ADDR_CHARS, MAX_LEASE_MS, MAX_ORIGINS, MAX_STORE_MESSAGE_BYTES } from './constants.js'

export const STORE_VERSION = 1
export type RefusalReason = 'FULL' | 'QUOTA' | 'TOO_BIG' | 'POLICY'
export const REFUSAL_REASONS: RefusalReason[] = ['FULL', 'QUOTA', 'TOO_BIG', 'POLICY']
export type HoldingState = 'none' | 'fetching' | 'held'
const HOLDING_STATES: HoldingState[] = ['none', 'fetching', 'held']

interface Signed { to: string, at: number, sig: string }
export interface OfferRequest { type: 'offer' }
export interface StoreRequest extends Signed { type: 'store', cid: string, bytes: number, leaseMs: number, origins: string[] }
export interface RenewRequest extends Signed { type: 'renew', cid: string, leaseMs: number }
export interface ReleaseRequest extends Signed { type: 'release', cid: string }
export interface StatusRequest { type: 'status', cid: string }
export type StoreRequestMessage = OfferRequest | StoreRequest | RenewRequest | ReleaseRequest | StatusRequest
export type SignedRequest = StoreRequest | RenewRequest | ReleaseRequest

export interface OfferAnswer { type: 'offered', freeBytes: number, ownerBytes: number, maxLeaseMs: number }
export interface AcceptedAnswer { type: 'accepted', expiresAt: number }
export interface RefusedAnswer { type: 'refused', reason: RefusalReason, message: string }
export interface OkAnswer { type: 'ok', expiresAt: number }
export interface StatusAnswer { type: 'status', state: HoldingState, pieces: number, verifiedPieces: number, expiresAt: number }
export type StoreAnswer = OfferAnswer | AcceptedAnswer | RefusedAnswer | OkAnswer | StatusAnswer

/** Key order of each type: the canonical form. */
const KEYS: Record<string, string[]> = {
  offer: ['v', 'type'],
  store: ['v', 'type', 'cid', 'bytes', 'leaseMs', 'origins', 'to', 'at', 'sig'],
  renew: ['v', 'type', 'cid', 'leaseMs', 'to', 'at', 'sig'],
  release: ['v', 'type', 'cid', 'to', 'at', 'sig'],
  status: ['v', 'type', 'cid'],
  offered: ['v', 'type', 'freeBytes', 'ownerBytes', 'maxLeaseMs'],
  accepted: ['v', 'type', 'expiresAt'],
  refused: ['v', 'type', 'reason', 'message'],
  ok: ['v', 'type', 'expiresAt'],
  status_answer: ['v', 'type', 'state', 'pieces', 'verifiedPieces', 'expiresAt']
}
const REQUEST_TYPES = ['offer', 'store', 'renew', 'release', 'status']
const ANSWER_TYPES = ['offered', 'accepted', 'refused', 'ok', 'status']
const MAX_MESSAGE_CHARS = 200
const MAX_SIG_CHARS = 200
const LENGTH_BYTES = 4

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/** Canonical JSON of a message (validated first), without the length prefix; `omit` leaves keys out (the signature). */
export function canonicalBytes (message: StoreRequestMessage | StoreAnswer, omit: string[] = []): Uint8Array {
  const keys = keysOf(message.type, REQUEST_TYPES.includes(message.type) && !isAnswerShape(message))
  const ordered: Record<string, unknown> = {}
  const source = { v: STORE_VERSION, ...message } as Record<string, unknown>
  for (const key of keys) if (!omit.includes(key)) ordered[key] = source[key]
  return encoder.encode(JSON.stringify(ordered))
}

export function encodeFrame (message: StoreRequestMessage | StoreAnswer): Uint8Array {
  const body = canonicalBytes(message)
  if (body.byteLength > MAX_STORE_MESSAGE_BYTES) throw bad(`store message too large (${body.byteLength} bytes)`)
  const out = new Uint8Array(LENGTH_BYTES + body.byteLength)
  new DataView(out.buffer).setUint32(0, body.byteLength)
  out.set(body, LENGTH_BYTES)
  return out
}

/** The body length a frame's first 4 bytes announce (BAD_MESSAGE past the limit). */
export function frameLength (header: Uint8Array): number {
  if (header.byteLength < LENGTH_BYTES) throw bad('store frame header is truncated')
  const length = new DataView(header.buffer, header.byteOffset, LENGTH_BYTES).getUint32(0)
  if (length > MAX_STORE_MESSAGE_BYTES) throw new ShoalError(ErrorCode.FrameTooLarge, `store frame of ${length} bytes (limit ${MAX_STORE_MESSAGE_BYTES})`)
  return length
}

export const FRAME_HEADER_BYTES = LENGTH_BYTES

export function decodeRequest (body: Uint8Array): StoreRequestMessage {
  const value = parseBody(body)
  const type = value.type
  if (typeof type !== 'string' || !REQUEST_TYPES.includes(type)) throw bad('unknown store request type')
  exactKeys(value, keysOf(type, true))
  let message: StoreRequestMessage
  switch (type) {
    case 'offer': message = { type }; break
    case 'status': message = { type, cid: cidField(value.cid) }; break
    case 'store': message = { type, cid: cidField(value.cid), bytes: count(value.bytes, 'bytes'), leaseMs: lease(value.leaseMs), origins: origins(value.origins), ...signed(value) }; break
    case 'renew': message = { type, cid: cidField(value.cid), leaseMs: lease(value.leaseMs), ...signed(value) }; break
    default: message = { type: 'release', cid: cidField(value.cid), ...signed(value) }
  }
  return canonicalOnly(message, body)
}

export function decodeAnswer (body: Uint8Array): StoreAnswer {
  const value = parseBody(body)
  const type = value.type
  if (typeof type !== 'string' || !ANSWER_TYPES.includes(type)) throw bad('unknown store answer type')
  exactKeys(value, keysOf(type, false))
  let message: StoreAnswer
  switch (type) {
    case 'offered': message = { type, freeBytes: count(value.freeBytes, 'freeBytes'), ownerBytes: count(value.ownerBytes, 'ownerBytes'), maxLeaseMs: lease(value.maxLeaseMs) }; break
    case 'accepted': message = { type, expiresAt: count(value.expiresAt, 'expiresAt') }; break
    case 'ok': message = { type, expiresAt: count(value.expiresAt, 'expiresAt') }; break
    case 'refused': {
      const reason = value.reason as RefusalReason
      if (!REFUSAL_REASONS.includes(reason)) throw bad('unknown refusal reason')
      if (typeof value.message !== 'string' || value.message.length > MAX_MESSAGE_CHARS) throw bad('bad refusal message')
      message = { type, reason, message: value.message }
      break
    }
    default: {
      const state = value.state as HoldingState
      if (!HOLDING_STATES.includes(state)) throw bad('unknown holding state')
      const pieces = count(value.pieces, 'pieces')
      const verifiedPieces = count(value.verifiedPieces, 'verifiedPieces')
      if (verifiedPieces > pieces) throw bad('more verified pieces than pieces')
      message = { type: 'status', state, pieces, verifiedPieces, expiresAt: count(value.expiresAt, 'expiresAt') }
    }
  }
  return canonicalOnly(message, body)
}

function keysOf (type: string, request: boolean): string[] {
  const keys = KEYS[type === 'status' && !request ? 'status_answer' : type]
  if (keys === undefined) throw bad(`unknown store message type ${type}`)
  return keys
}

function isAnswerShape (message: StoreRequestMessage | StoreAnswer): boolean {
  return message.type === 'status' && 'state' in message
}

function parseBody (body: Uint8Array): Record<string, unknown> {
  if (body.byteLength > MAX_STORE_MESSAGE_BYTES) throw bad('store message too large')
  let value: unknown
  try {
    value = JSON.parse(decoder.decode(body))
  } catch {
    throw bad('store message is not UTF-8 JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('store message is not an object')
  const record = value as Record<string, unknown>
  if (record.v !== STORE_VERSION) throw bad('unsupported store message version')
  return record
}

function exactKeys (value: Record<string, unknown>, keys: string[]): void {
  const actual = Object.keys(value)
  if (actual.length !== keys.length || !keys.every(key => Object.hasOwn(value, key))) throw bad(`store message must have exactly the keys ${keys.join(', ')}`)
}

/** One message, one byte form: what decodes must re-encode to the same bytes. */
function canonicalOnly<T extends StoreRequestMessage | StoreAnswer> (message: T, body: Uint8Array): T {
  const again = canonicalBytes(message)
  if (again.byteLength !== body.byteLength || !again.every((byte, i) => byte === body[i])) throw bad('store message is not in canonical form')
  return message
}

function cidField (value: unknown): string {
  if (typeof value !== 'string' || value.length > 100) throw bad('bad content ID')
  try {
    const { cid, peers, key } = parseLink(value)
    if (peers.length > 0 || key !== undefined || cid.toString() !== value) throw new Error('not bare')
    return value
  } catch {
    throw bad('bad content ID')
  }
}

function count (value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw bad(`bad ${what}`)
  return value
}

function lease (value: unknown): number {
  const ms = count(value, 'lease')
  if (ms < 1 || ms > MAX_LEASE_MS) throw bad(`lease must be 1 ms to ${MAX_LEASE_MS} ms`)
  return ms
}

function origins (value: unknown): string[] {
  if (!Array.isArray(value) || value.length > MAX_ORIGINS) throw bad(`origins must be a list of at most ${MAX_ORIGINS}`)
  return value.map(addr => {
    if (typeof addr !== 'string' || addr.length > MAX_ADDR_CHARS) throw bad('bad origin address')
    try {
      const parsed = multiaddr(addr)
      void parsed.bytes
      if (parsed.getComponents().at(-1)?.name !== 'p2p') throw new Error('no peer id')
    } catch {
      throw bad('bad origin address')
    }
    return addr
  })
}

function signed (value: Record<string, unknown>): Signed {
  if (typeof value.to !== 'string' || value.to.length > 100) throw bad('bad recipient')
  try {
    if (peerIdFromString(value.to).toString() !== value.to) throw new Error('not canonical')
  } catch {
    throw bad('bad recipient')
  }
  if (typeof value.sig !== 'string' || value.sig.length > MAX_SIG_CHARS || !/^[A-Za-z0-9_-]*$/.test(value.sig)) throw bad('bad signature field')
  return { to: value.to, at: count(value.at, 'time'), sig: value.sig }
}

function bad (message: string): ShoalError {
  return new ShoalError(ErrorCode.BadMessage, message)
}
