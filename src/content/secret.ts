/**
 * Secret contents (`share --secret`): the format, with no Node built-in, so a browser can read it
 * with WebCrypto behind the same SecretCipher interface.
 *
 * A secret content is an ordinary Shoal content (the "outer" one) named SECRET_CONTENT_NAME, a
 * folder of:
 *   data/0000000 … data/<n-1>  file i's bytes, sealed in segments (see below)
 *   manifest                   the real ("inner") signed manifest, sealed as one message
 * Keys come from one random 32-byte content key K, carried only in the link's fragment (#k=…):
 *   file key i    = HKDF-SHA256(K, salt = "", info = "shoal-secret-v1 file " ‖ u32be(i))
 *   manifest key  = HKDF-SHA256(K, salt = "", info = "shoal-secret-v1 manifest")
 * File i is cut into segments of SEGMENT_BYTES plaintext bytes (at least one, so an empty file is
 * one empty segment); each is sealed with AES-256-GCM under file key i, nonce = u32be(0) ‖
 * u64be(segment), additional data = "shoal-secret-v1" ‖ u32be(i) ‖ u64be(segment) ‖ u8(last), and
 * stored as ciphertext ‖ 16-byte tag. A segment cut off, reordered, moved to another file or made
 * to look last fails its tag. Docs: docs/security.md "Secret links".
 */
import { base32 } from 'multiformats/bases/base32'
import { ErrorCode, ShoalError } from '../errors.js'
import type { Manifest } from './manifest.js'

export const SECRET_CONTENT_NAME = 'shoal-secret-v1'
export const SECRET_MANIFEST_PATH = 'manifest'
export const SECRET_DATA_FOLDER = 'data'
/** Digits of a data file's number: enough for MAX_FILES (2^20), so names sort in file order. */
const DATA_NAME_DIGITS = 7
export const CONTENT_KEY_BYTES = 32
export const SEGMENT_BYTES = 64 * 1024
export const TAG_BYTES = 16
export const NONCE_BYTES = 12
/** Link fragment parameter that carries the content key. */
export const KEY_PARAM = 'k'

const encoder = new TextEncoder()
const DOMAIN = encoder.encode('shoal-secret-v1')
const FILE_INFO = encoder.encode('shoal-secret-v1 file ')
export const MANIFEST_KEY_INFO = encoder.encode('shoal-secret-v1 manifest')
const MANIFEST_AAD = encoder.encode('shoal-secret-v1 manifest')

/** AES-256-GCM and HKDF-SHA256, provided by the platform (store/secret-cipher.ts on Node). */
export interface SecretCipher {
  /** HKDF-SHA256 with an empty salt, 32 bytes out. */
  deriveKey: (contentKey: Uint8Array, info: Uint8Array) => Uint8Array
  /** AES-256-GCM: ciphertext followed by the 16-byte tag. */
  seal: (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array) => Uint8Array
  /** Inverse of seal; throws if the tag does not verify. */
  open: (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array) => Uint8Array
}

export function dataPath (file: number): string {
  return `${SECRET_DATA_FOLDER}/${String(file).padStart(DATA_NAME_DIGITS, '0')}`
}

export function segmentCount (plainSize: number): number {
  return Math.max(1, Math.ceil(plainSize / SEGMENT_BYTES))
}

/** Size on the wire and on disk of a file of `plainSize` bytes. */
export function sealedSize (plainSize: number): number {
  return plainSize + segmentCount(plainSize) * TAG_BYTES
}

/** Inverse of sealedSize, or undefined for a size no plaintext seals to. */
export function plainSizeOf (sealed: number): number | undefined {
  const segments = Math.max(1, Math.ceil(sealed / (SEGMENT_BYTES + TAG_BYTES)))
  const plain = sealed - segments * TAG_BYTES
  return plain >= 0 && sealedSize(plain) === sealed ? plain : undefined
}

/** Whether an outer manifest has the shape of a secret content: only then is a key asked for. */
export function isSecretManifest (manifest: Manifest): boolean {
  if (manifest.name !== SECRET_CONTENT_NAME || manifest.kind !== 'dir') return false
  const files = manifest.files
  if (files.length === 0 || files.at(-1)?.path !== SECRET_MANIFEST_PATH) return false
  return files.slice(0, -1).every((file, i) => file.path === dataPath(i) && plainSizeOf(file.size) !== undefined)
}

/** For `get` without a key: a secret content stops before anything is written (NO_KEY). */
export function refuseSecretWithoutKey (manifest: Manifest): void {
  if (isSecretManifest(manifest)) {
    throw new ShoalError(ErrorCode.NoKey, 'this is a secret content: its link needs the key (#k=…) that was printed when it was shared')
  }
}

/** For `get` with a key: only a secret content takes one. */
export function requireSecret (manifest: Manifest): void {
  if (!isSecretManifest(manifest)) throw new ShoalError(ErrorCode.BadKey, 'the link carries a key, but its content is not a secret content')
}

export function fileKey (cipher: SecretCipher, contentKey: Uint8Array, file: number): Uint8Array {
  const info = new Uint8Array(FILE_INFO.byteLength + 4)
  info.set(FILE_INFO)
  new DataView(info.buffer).setUint32(FILE_INFO.byteLength, file)
  return cipher.deriveKey(contentKey, info)
}

export function segmentNonce (segment: number): Uint8Array {
  const nonce = new Uint8Array(NONCE_BYTES)
  new DataView(nonce.buffer).setBigUint64(4, BigInt(segment))
  return nonce
}

export function segmentAad (file: number, segment: number, last: boolean): Uint8Array {
  const aad = new Uint8Array(DOMAIN.byteLength + 4 + 8 + 1)
  const view = new DataView(aad.buffer)
  aad.set(DOMAIN)
  view.setUint32(DOMAIN.byteLength, file)
  view.setBigUint64(DOMAIN.byteLength + 4, BigInt(segment))
  aad[aad.byteLength - 1] = last ? 1 : 0
  return aad
}

/** Seals the inner signed manifest (envelope bytes). */
export function sealManifest (cipher: SecretCipher, contentKey: Uint8Array, envelope: Uint8Array): Uint8Array {
  return cipher.seal(cipher.deriveKey(contentKey, MANIFEST_KEY_INFO), new Uint8Array(NONCE_BYTES), MANIFEST_AAD, envelope)
}

/** Opens the sealed inner manifest; a key that does not open it is BAD_KEY. */
export function openManifest (cipher: SecretCipher, contentKey: Uint8Array, sealed: Uint8Array): Uint8Array {
  try {
    return cipher.open(cipher.deriveKey(contentKey, MANIFEST_KEY_INFO), new Uint8Array(NONCE_BYTES), MANIFEST_AAD, sealed)
  } catch {
    throw new ShoalError(ErrorCode.BadKey, 'the link\'s key does not open this secret content')
  }
}

export function encodeContentKey (key: Uint8Array): string {
  return base32.baseEncode(key)
}

/** The `#k=` value of a link; anything but 32 bytes of lowercase base32 is BAD_KEY. */
export function decodeContentKey (text: string): Uint8Array {
  let key: Uint8Array | undefined
  try {
    key = base32.baseDecode(text.toLowerCase())
  } catch {
    key = undefined
  }
  if (key?.byteLength !== CONTENT_KEY_BYTES) {
    throw new ShoalError(ErrorCode.BadKey, `the link's key is not ${CONTENT_KEY_BYTES} bytes of base32`)
  }
  return key
}
