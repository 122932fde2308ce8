import type { CID } from 'multiformats/cid'
import { decodeSignedManifest, verifySignedManifest } from '../content/envelope.js'
import type { Manifest } from '../content/manifest.js'
import type { PieceLayout } from '../content/layout.js'
import { HASH_BYTES, hashPiece, verifyFileHashes } from '../content/merkle.js'
import type { PieceFiles } from '../store/piece-files.js'
import { Bitfield } from './bitfield.js'
import { ProtocolViolation, type PeerSession } from './peer-session.js'

/** get-hashes requests kept in flight at once while fetching a folder's hash lists. */
export const HASH_REQUESTS_IN_FLIGHT = 16

export interface VerifiedManifest { manifest: Manifest, publisher: string, signed: Uint8Array }

/** Fetches the signed manifest from a peer and checks it hashes to `cid` and is validly signed. */
export async function fetchManifest (session: PeerSession, cid: CID): Promise<VerifiedManifest> {
  const signed = await session.getManifest()
  try {
    const { manifest, publisher } = await verifySignedManifest(decodeSignedManifest(signed), cid)
    return { manifest, publisher, signed: new Uint8Array(signed) }
  } catch (err: any) {
    throw new ProtocolViolation(`bad manifest: ${err.message}`)
  }
}

/**
 * The hash of every piece, in global order. A file of one piece needs no fetch (its Merkle root is
 * that piece's hash); larger files' hash lists are fetched from peers and checked against the
 * roots in the (already verified) manifest, so no peer can make us accept a wrong piece hash.
 */
export async function fetchPieceHashes (
  manifest: Manifest,
  layout: PieceLayout,
  nextSession: () => Promise<PeerSession>,
  onBadPeer: (session: PeerSession, err: Error) => void
): Promise<Uint8Array> {
  const hashes = new Uint8Array(layout.pieceCount * HASH_BYTES)
  const todo: number[] = []
  manifest.files.forEach((file, index) => {
    const count = layout.pieceCountOf(index)
    if (count === 1) hashes.set(Buffer.from(file.root, 'hex'), layout.firstPiece(index) * HASH_BYTES)
    else if (count > 1) todo.push(index)
  })
  const worker = async (): Promise<void> => {
    for (let file = todo.shift(); file !== undefined; file = todo.shift()) {
      for (;;) {
        const session = await nextSession()
        try {
          const list = await session.getHashes(file)
          if (!verifyFileHashes(list, layout.pieceCountOf(file), manifest.files[file]?.root ?? '')) {
            throw new ProtocolViolation(`hash list of file ${file} does not match its root`)
          }
          hashes.set(list, layout.firstPiece(file) * HASH_BYTES)
          break
        } catch (err: any) {
          onBadPeer(session, err)
        }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(HASH_REQUESTS_IN_FLIGHT, todo.length) }, worker))
  return hashes
}

/**
 * Pieces a previous run recorded as verified are checked again on disk before they are trusted: a
 * crash can leave the record ahead of the data. Reads one piece at a time, so memory stays flat.
 */
export async function recheckPieces (files: PieceFiles, layout: PieceLayout, hashes: Uint8Array, saved: Uint8Array | undefined): Promise<Bitfield> {
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
      if (Buffer.from(hashPiece(data)).equals(expected)) bitfield.set(piece)
    } catch {
      // Missing or short on disk: fetch it again.
    }
  }
  return bitfield
}
