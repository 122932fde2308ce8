/**
 * The manifest: what a share contains (names, sizes, per-file Merkle roots, piece size).
 * Its canonical bytes are hashed into the content ID, so encoding must be deterministic and
 * decoding must accept exactly one byte form per manifest.
 */
import { CID } from 'multiformats/cid'
import { create as createDigest } from 'multiformats/hashes/digest'
import { ShoalError, ErrorCode } from '../errors.js'
import { compareUtf8, isSafePath, isSafeSegment } from './safe-path.js'
import { equalBytes } from './bytes.js'
import { sha256 } from './sha256.js'

export { isSafeSegment, isSafePath } from './safe-path.js'

export const MANIFEST_VERSION = 1
/** Largest manifest accepted from a peer. */
export const MAX_MANIFEST_BYTES = 8 * 1024 * 1024
export const MIN_PIECE_SIZE = 16 * 1024
export const MAX_PIECE_SIZE = 16 * 1024 * 1024
export const MAX_PIECES = 1 << 22
export const MAX_FILES = 1 << 20
/** Multicodec of the manifest bytes inside the CID: plain JSON. */
export const JSON_CODEC = 0x0200
/** Multihash code of SHA2-256. */
export const SHA256_CODE = 0x12

export interface ManifestFile {
  path: string
  size: number
  /** Hex SHA-256 Merkle root over the file's piece hashes. */
  root: string
}

export interface Manifest {
  version: 1
  name: string
  kind: 'file' | 'dir'
  pieceSize: number
  files: ManifestFile[]
}

const MANIFEST_KEYS = ['version', 'name', 'kind', 'pieceSize', 'files']
const FILE_KEYS = ['path', 'size', 'root']
const ROOT_HEX = /^[0-9a-f]{64}$/

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const utf8Encoder = new TextEncoder()

/** Canonical bytes of a manifest: UTF-8 JSON, fixed key order, no whitespace. Validates first. */
export function encodeManifest (m: Manifest): Uint8Array {
  return serialize(validateManifest(m))
}

/** Parses and strictly validates manifest bytes received from anyone. Throws ShoalError(BadManifest). */
export function decodeManifest (bytes: Uint8Array): Manifest {
  if (!(bytes instanceof Uint8Array)) throw bad('manifest is not a byte array')
  if (bytes.byteLength > MAX_MANIFEST_BYTES) {
    throw bad(`manifest is too large (${bytes.byteLength} bytes, limit ${MAX_MANIFEST_BYTES})`)
  }
  let text: string
  let value: unknown
  try {
    text = utf8Decoder.decode(bytes)
  } catch {
    throw bad('manifest is not valid UTF-8')
  }
  try {
    value = JSON.parse(text)
  } catch {
    throw bad('manifest is not valid JSON')
  }
  const manifest = validateManifest(value)
  // One manifest, one byte form, one CID: reject whitespace, reordered keys, escapes, '1.0' and the like.
  if (!sameBytes(serialize(manifest), bytes)) throw bad('manifest is not in canonical form')
  return manifest
}

/** Content ID of manifest bytes: CIDv1, json codec, sha2-256. */
export function manifestCid (bytes: Uint8Array): CID {
  const digest = sha256(bytes)
  return CID.createV1(JSON_CODEC, createDigest(SHA256_CODE, digest))
}

/**
 * Checks every rule a manifest must follow and returns a clean copy (only the known keys).
 * Throws ShoalError(BadManifest) naming the first problem found.
 */
export function validateManifest (value: unknown): Manifest {
  if (!hasExactKeys(value, MANIFEST_KEYS)) throw bad(`manifest must be an object with exactly the keys ${MANIFEST_KEYS.join(', ')}`)
  const { version, name, kind, pieceSize, files } = value
  if (version !== MANIFEST_VERSION) throw bad(`unsupported manifest version: ${short(version)}`)
  if (typeof name !== 'string' || !isSafeSegment(name)) throw bad(`unsafe or invalid share name: ${short(name)}`)
  if (kind !== 'file' && kind !== 'dir') throw bad(`manifest kind must be 'file' or 'dir', not ${short(kind)}`)
  if (!isValidPieceSize(pieceSize)) {
    throw bad(`piece size must be a power of two from ${MIN_PIECE_SIZE} to ${MAX_PIECE_SIZE}, not ${short(pieceSize)}`)
  }
  if (!Array.isArray(files)) throw bad('manifest files must be a list')
  if (files.length > MAX_FILES) throw bad(`manifest lists too many files (${files.length}, limit ${MAX_FILES})`)

  const clean = files.map((entry: unknown, index) => validateFile(entry, index))
  checkTotals(clean, pieceSize)
  checkOrderAndNesting(clean)
  if (kind === 'file' && (clean.length !== 1 || clean[0]?.path !== name)) {
    throw bad('a single-file manifest must list exactly one file whose path is the share name')
  }
  return { version: MANIFEST_VERSION, name, kind, pieceSize, files: clean }
}

/** True for a power of two within [MIN_PIECE_SIZE, MAX_PIECE_SIZE]. */
export function isValidPieceSize (size: unknown): size is number {
  if (typeof size !== 'number' || !Number.isInteger(size)) return false
  if (size < MIN_PIECE_SIZE || size > MAX_PIECE_SIZE) return false
  return (size & (size - 1)) === 0 // safe: the range fits in 31 bits
}

function validateFile (entry: unknown, index: number): ManifestFile {
  if (!hasExactKeys(entry, FILE_KEYS)) throw bad(`file #${index} must be an object with exactly the keys ${FILE_KEYS.join(', ')}`)
  const { path, size, root } = entry
  if (typeof path !== 'string' || !isSafePath(path)) throw bad(`unsafe or invalid file path: ${short(path)}`)
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw bad(`invalid size for ${short(path)}: ${short(size)}`)
  if (typeof root !== 'string' || !ROOT_HEX.test(root)) throw bad(`invalid Merkle root for ${short(path)}`)
  return { path, size, root }
}

function checkTotals (files: ManifestFile[], pieceSize: number): void {
  let totalSize = 0
  let totalPieces = 0
  for (const file of files) {
    if (file.size > Number.MAX_SAFE_INTEGER - totalSize) throw bad('total size of the share is too large')
    totalSize += file.size
    totalPieces += Math.ceil(file.size / pieceSize)
    if (totalPieces > MAX_PIECES) throw bad(`share has too many pieces (limit ${MAX_PIECES}); use a larger piece size`)
  }
}

/**
 * Paths must be strictly increasing in UTF-8 byte order (so no duplicates), and no file may
 * also be a folder of another ('a' next to 'a/b'), which could not both exist on disk.
 */
function checkOrderAndNesting (files: ManifestFile[]): void {
  for (let i = 1; i < files.length; i++) {
    const previous = files[i - 1]!.path
    const current = files[i]!.path
    if (compareUtf8(previous, current) >= 0) {
      throw bad(previous === current ? `duplicate file path: ${short(current)}` : `file paths are not sorted: ${short(current)}`)
    }
  }
  for (let i = 0; i + 1 < files.length; i++) {
    const path = files[i]!.path
    // Everything sorting between 'a' and 'a/...' starts with 'a', so a non-match next means no children.
    if (!files[i + 1]!.path.startsWith(path)) continue
    const folder = path + '/'
    const child = files[lowerBound(files, folder, i + 1)]
    if (child?.path.startsWith(folder) === true) throw bad(`path is both a file and a folder: ${short(path)}`)
  }
}

/** First index at or after `from` whose path is not below `target` (files are sorted). */
function lowerBound (files: ManifestFile[], target: string, from: number): number {
  let low = from
  let high = files.length
  while (low < high) {
    const mid = (low + high) >>> 1
    if (compareUtf8(files[mid]!.path, target) < 0) low = mid + 1
    else high = mid
  }
  return low
}

function serialize (m: Manifest): Uint8Array {
  // Objects are built in the canonical key order; JSON.stringify keeps insertion order.
  const ordered = {
    version: m.version,
    name: m.name,
    kind: m.kind,
    pieceSize: m.pieceSize,
    files: m.files.map(f => ({ path: f.path, size: f.size, root: f.root }))
  }
  return utf8Encoder.encode(JSON.stringify(ordered))
}

function hasExactKeys (value: unknown, keys: string[]): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const actual = Object.keys(value)
  return actual.length === keys.length && keys.every(key => Object.hasOwn(value, key))
}

function sameBytes (a: Uint8Array, b: Uint8Array): boolean {
  return equalBytes(a, b)
}

const MAX_QUOTED_CHARS = 80

/** A value quoted for an error message: one line, bounded length. */
function short (value: unknown): string {
  if (typeof value === 'string') {
    const quoted = JSON.stringify(value.slice(0, MAX_QUOTED_CHARS)) // escapes control characters
    return value.length > MAX_QUOTED_CHARS ? `${quoted}…` : quoted
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value)
  if (Array.isArray(value)) return 'a list'
  return typeof value === 'object' ? 'an object' : typeof value
}

function bad (message: string): ShoalError {
  return new ShoalError(ErrorCode.BadManifest, message)
}
