import type { CID } from 'multiformats/cid'
import { decodeSignedManifest, verifySignedManifest, type SignedManifest } from '../../content/envelope.js'
import { decodeManifest, manifestCid, type Manifest } from '../../content/manifest.js'
import { ErrorCode, ShoalError } from '../../errors.js'
import type { PieceLayout } from '../../content/layout.js'
import { HASH_BYTES, hashPiece, verifyFileHashes } from '../../content/merkle.js'
import type { PieceStore } from '../common/piece-store.js'
import { equalBytes, fromHex } from '../../content/bytes.js'
import { Bitfield } from '../wire/bitfield.js'
import type { PeerSession } from './peer-session.js'
import { raceSessions, type SessionSource } from './setup-race.js'
import { ProtocolViolation } from '../common/faults.js'

/** get-hashes requests kept in flight at once while fetching a folder's hash lists. */
export const HASH_REQUESTS_IN_FLIGHT = 16

export interface VerifiedManifest { manifest: Manifest, publisher: string, signed: Uint8Array }

/**
 * The manifest hashes to the CID asked for but is not a valid manifest (hostile names, absurd
 * sizes...): no peer can ever serve a usable one for this CID, so the download stops.
 */
export class InvalidContent extends ProtocolViolation {}

/** `get --publisher`: this copy is signed by someone else (not a lie: anyone may sign any content). */
export class WrongPublisher extends ShoalError {
  constructor (message: string) {
    super(ErrorCode.WrongPublisher, message)
  }
}

/**
 * Fetches the signed manifest from a peer and checks it hashes to `cid`, is a valid manifest, is
 * validly signed, and (with `publisher`) that this publisher signed it.
 */
export async function fetchManifest (session: PeerSession, cid: CID, publisher?: string): Promise<VerifiedManifest> {
  const signed = await session.getManifest()
  let envelope: SignedManifest
  let verified: { manifest: Manifest, publisher: string }
  try {
    envelope = decodeSignedManifest(signed)
  } catch (err: any) {
    throw new ProtocolViolation(`bad manifest: ${err.message}`)
  }
  if (manifestCid(envelope.manifest).equals(cid)) {
    try {
      decodeManifest(envelope.manifest)
    } catch (err: any) {
      throw new InvalidContent(`${cid.toString()} names an unusable manifest: ${err.message}`)
    }
  }
  try {
    verified = await verifySignedManifest(envelope, cid)
  } catch (err: any) {
    throw new ProtocolViolation(`bad manifest: ${err.message}`)
  }
  if (publisher !== undefined && verified.publisher !== publisher) {
    throw new WrongPublisher(`${cid.toString()} was found signed by ${verified.publisher}, not by ${publisher}`)
  }
  return { manifest: verified.manifest, publisher: verified.publisher, signed: new Uint8Array(signed) }
}

/**
 * The pieces a resumed download may already have: the database's saved map and the journal's
 * later entries, as bitfield bytes for recheckPieces (which verifies each on disk). Undefined: none.
 */
export function claimedPieces (pieceCount: number, saved: Uint8Array | undefined, journaled: number[]): Uint8Array | undefined {
  if (saved === undefined && journaled.length === 0) return undefined
  let claims: Bitfield
  try {
    claims = saved !== undefined ? Bitfield.fromBytes(pieceCount, saved) : new Bitfield(pieceCount)
  } catch {
    claims = new Bitfield(pieceCount) // a damaged saved map claims nothing
  }
  for (const piece of journaled) if (piece < pieceCount) claims.set(piece)
  return claims.toBytes()
}

/**
 * The hash of every piece, in global order. A file of one piece needs no fetch (its Merkle root is
 * that piece's hash); larger files' hash lists are fetched from peers and checked against the
 * roots in the (already verified) manifest, so no peer can make us accept a wrong piece hash.
 */
export async function fetchPieceHashes (
  manifest: Manifest,
  layout: PieceLayout,
  sessions: SessionSource,
  onBadPeer: (session: PeerSession, err: Error) => void
): Promise<Uint8Array> {
  const hashes = new Uint8Array(layout.pieceCount * HASH_BYTES)
  const todo: number[] = []
  manifest.files.forEach((file, index) => {
    const count = layout.pieceCountOf(index)
    if (count === 1) hashes.set(fromHex(file.root), layout.firstPiece(index) * HASH_BYTES)
    else if (count > 1) todo.push(index)
  })
  const worker = async (): Promise<void> => {
    for (let file = todo.shift(); file !== undefined; file = todo.shift()) {
      const index = file
      const list = await raceSessions(sessions, async session => {
        const list = await session.getHashes(index)
        if (!verifyFileHashes(list, layout.pieceCountOf(index), manifest.files[index]?.root ?? '')) {
          throw new ProtocolViolation(`hash list of file ${index} does not match its root`)
        }
        return list
      }, (session, err) => { onBadPeer(session, err); return undefined })
      hashes.set(list, layout.firstPiece(index) * HASH_BYTES)
    }
  }
  await Promise.all(Array.from({ length: Math.min(HASH_REQUESTS_IN_FLIGHT, todo.length) }, worker))
  return hashes
}

/**
 * Pieces a previous run recorded as verified are checked again on disk before they are trusted: a
 * crash can leave the record ahead of the data. Reads one piece at a time, so memory stays flat.
 */
export async function recheckPieces (files: PieceStore, layout: PieceLayout, hashes: Uint8Array, saved: Uint8Array | undefined): Promise<Bitfield> {
  const bitfield = new Bitfield(layout.pieceCount)
  if (saved === undefined) return bitfield
  let claimed: Bitfield
  try {
    claimed = Bitfield.fromBytes(layout.pieceCount, saved)
  } catch {
    return bitfield
  }
  for (let piece = 0; piece < layout.pieceCount; piece++) {
    if (!claimed.has(piece)) continue
    try {
      const data = await files.readPiece(piece)
      const expected = hashes.subarray(piece * HASH_BYTES, (piece + 1) * HASH_BYTES)
      if (equalBytes(hashPiece(data), expected)) bitfield.set(piece)
    } catch {
      // Missing or short on disk: fetch it again.
    }
  }
  return bitfield
}
