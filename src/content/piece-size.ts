/** Default piece size for a new share. */
import { ShoalError, ErrorCode } from '../errors.js'
import { MIN_PIECE_SIZE } from './manifest.js'

/** Aim for about this many pieces: enough to spread over peers, few enough to track cheaply. */
export const TARGET_PIECE_COUNT = 1024
/**
 * Largest default piece size. Manifests may use up to MAX_PIECE_SIZE, but bigger pieces
 * cost more to re-fetch when one fails verification.
 */
export const MAX_DEFAULT_PIECE_SIZE = 4 * 1024 * 1024

/**
 * The smallest power of two at least totalBytes / 1024, clamped to [16 KiB, 4 MiB].
 * 1 GiB → 1 MiB, 256 MiB → 256 KiB, 64 MiB → 64 KiB, anything up to 16 MiB → 16 KiB.
 */
export function choosePieceSize (totalBytes: number): number {
  if (!Number.isSafeInteger(totalBytes) || totalBytes < 0) {
    throw new ShoalError(ErrorCode.BadArgument, `total size must be a non-negative integer, not ${totalBytes}`)
  }
  const target = totalBytes / TARGET_PIECE_COUNT
  let size = MIN_PIECE_SIZE
  // Doubling rather than bit tricks: sizes may exceed 32 bits.
  while (size < target && size < MAX_DEFAULT_PIECE_SIZE) size *= 2
  return size
}
