/**
 * The signed manifest: manifest bytes plus the publisher's Ed25519 public key and signature.
 * The signature is kept outside the manifest so the same content gets the same CID whoever
 * publishes it; what is signed is a domain tag plus the CID bytes.
 *
 * Wire form: three length-prefixed fields (u32 big-endian length, then bytes):
 * manifest, public key (libp2p protobuf), signature.
 */
import type { PrivateKey, PublicKey } from '@libp2p/interface'
import { publicKeyFromProtobuf, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import type { CID } from 'multiformats/cid'
import { equalBytes } from './bytes.js'
import { ShoalError, ErrorCode } from '../errors.js'
import { decodeManifest, manifestCid, MAX_MANIFEST_BYTES, type Manifest } from './manifest.js'

export interface SignedManifest {
  manifest: Uint8Array
  /** Publisher key as libp2p protobuf (publicKeyToProtobuf). */
  publicKey: Uint8Array
  signature: Uint8Array
}

/** Separates these signatures from anything else the same key signs. */
export const SIGNATURE_DOMAIN = 'shoal-manifest-v1:'
const LENGTH_BYTES = 4
/** Protobuf of an Ed25519 public key: 4 bytes of header plus 32 bytes of key. */
export const MAX_PUBLIC_KEY_BYTES = 36
export const ED25519_SIGNATURE_BYTES = 64
/** Largest encoded envelope accepted. */
export const MAX_SIGNED_MANIFEST_BYTES = 3 * LENGTH_BYTES + MAX_MANIFEST_BYTES + MAX_PUBLIC_KEY_BYTES + ED25519_SIGNATURE_BYTES

const domainBytes = new TextEncoder().encode(SIGNATURE_DOMAIN)

/** Signs manifest bytes (validated first) with the publisher's Ed25519 key. */
export async function signManifest (manifest: Uint8Array, key: PrivateKey): Promise<SignedManifest> {
  if (key.type !== 'Ed25519') {
    throw new ShoalError(ErrorCode.BadArgument, `manifests must be signed with an Ed25519 key, not ${key.type}`)
  }
  decodeManifest(manifest) // never sign something every peer would reject
  const signature = await key.sign(signedMessage(manifestCid(manifest)))
  // Plain Uint8Array copies (libp2p hands back Buffers), so envelopes compare equal after a round trip.
  return { manifest: new Uint8Array(manifest), publicKey: new Uint8Array(publicKeyToProtobuf(key.publicKey)), signature: new Uint8Array(signature) }
}

export function encodeSignedManifest (s: SignedManifest): Uint8Array {
  const fields = [s.manifest, s.publicKey, s.signature]
  const out = new Uint8Array(fields.reduce((sum, f) => sum + LENGTH_BYTES + f.byteLength, 0))
  const view = new DataView(out.buffer)
  let offset = 0
  for (const field of fields) {
    view.setUint32(offset, field.byteLength)
    out.set(field, offset + LENGTH_BYTES)
    offset += LENGTH_BYTES + field.byteLength
  }
  return out
}

/** Splits an envelope into its fields, with size limits; does not verify anything. Throws BadManifest. */
export function decodeSignedManifest (bytes: Uint8Array): SignedManifest {
  if (!(bytes instanceof Uint8Array)) throw badEnvelope('signed manifest is not a byte array')
  if (bytes.byteLength > MAX_SIGNED_MANIFEST_BYTES) {
    throw badEnvelope(`signed manifest is too large (${bytes.byteLength} bytes, limit ${MAX_SIGNED_MANIFEST_BYTES})`)
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let offset = 0
  const readField = (what: string, limit: number): Uint8Array => {
    if (offset + LENGTH_BYTES > bytes.byteLength) throw badEnvelope(`signed manifest is truncated before the ${what}`)
    const length = view.getUint32(offset)
    offset += LENGTH_BYTES
    if (length > limit) throw badEnvelope(`${what} in signed manifest is too large (${length} bytes, limit ${limit})`)
    if (offset + length > bytes.byteLength) throw badEnvelope(`signed manifest is truncated inside the ${what}`)
    const field = new Uint8Array(bytes.subarray(offset, offset + length)) // a copy, never a view of the input
    offset += length
    return field
  }
  const manifest = readField('manifest', MAX_MANIFEST_BYTES)
  const publicKey = readField('public key', MAX_PUBLIC_KEY_BYTES)
  const signature = readField('signature', ED25519_SIGNATURE_BYTES)
  if (offset !== bytes.byteLength) throw badEnvelope('signed manifest has trailing bytes')
  return { manifest, publicKey, signature }
}

/**
 * Checks that the manifest is the one `expectedCid` names (CidMismatch), that an Ed25519 key
 * signed it (BadSignature), and that the manifest itself is valid (BadManifest).
 */
export async function verifySignedManifest (s: SignedManifest, expectedCid: CID): Promise<{ manifest: Manifest, publisher: string }> {
  const cid = manifestCid(s.manifest)
  if (!equalBytes(cid.bytes, expectedCid.bytes)) {
    throw new ShoalError(ErrorCode.CidMismatch, `manifest does not match the content ID: expected ${expectedCid.toString()}, got ${cid.toString()}`)
  }
  const key = parseEd25519Key(s.publicKey)
  if (s.signature.byteLength !== ED25519_SIGNATURE_BYTES) throw badSignature('signature has the wrong length')
  let valid: boolean
  try {
    valid = await key.verify(signedMessage(cid), s.signature)
  } catch {
    valid = false
  }
  if (!valid) throw badSignature('manifest signature does not verify')
  return { manifest: decodeManifest(s.manifest), publisher: peerIdFromPublicKey(key).toString() }
}

function parseEd25519Key (bytes: Uint8Array): PublicKey {
  // Length first: only the small Ed25519 form is ever parsed from an untrusted peer.
  if (bytes.byteLength > MAX_PUBLIC_KEY_BYTES) throw badSignature('publisher key is not an Ed25519 key')
  let key: PublicKey
  try {
    key = publicKeyFromProtobuf(bytes)
  } catch {
    throw badSignature('publisher key is malformed')
  }
  if (key.type !== 'Ed25519') throw badSignature(`publisher key is ${key.type}, not Ed25519`)
  // One key, one encoding: the publisher identity cannot hide behind an odd protobuf form.
  if (!equalBytes(publicKeyToProtobuf(key), bytes)) throw badSignature('publisher key is not canonically encoded')
  return key
}

function signedMessage (cid: CID): Uint8Array {
  const message = new Uint8Array(domainBytes.byteLength + cid.bytes.byteLength)
  message.set(domainBytes)
  message.set(cid.bytes, domainBytes.byteLength)
  return message
}

function badEnvelope (message: string): ShoalError {
  return new ShoalError(ErrorCode.BadManifest, message)
}

function badSignature (message: string): ShoalError {
  return new ShoalError(ErrorCode.BadSignature, message)
}
