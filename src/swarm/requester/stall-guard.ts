import { PIECE_TIMEOUT_MS } from './constants.js'

/** Every piece gets this long on top of its transfer time: round trip, queueing, disk. */
export const PIECE_TIMEOUT_BASE_MS = 5_000
/**
 * Slowest delivery a piece may take, in bytes per second: a 16 KiB piece is late after 6 s, a
 * 1 MiB piece after 69 s (capped at PIECE_TIMEOUT_MS). The clock runs from the request, or from
 * the peer's last delivered piece if that is later (a provider answers in order, so a piece queued
 * behind others is not late while the ones ahead of it keep arriving).
 */
export const MIN_PIECE_BYTES_PER_SECOND = 16 * 1024
/** A session that had requests waiting for this long in all... */
export const STALL_WINDOW_MS = 10_000
/** ...while fewer bytes than this arrived is stalled (a silent peer, or one sending a byte a second). */
export const STALL_MIN_BYTES = 1024

/** How long a piece of `pieceBytes` may take before it is given to another peer. */
export function pieceTimeoutMs (pieceBytes: number): number {
  return Math.min(PIECE_TIMEOUT_MS, PIECE_TIMEOUT_BASE_MS + Math.ceil(pieceBytes * 1000 / MIN_PIECE_BYTES_PER_SECOND))
}

/** What the guard needs to know of a session (a PeerSession). */
export interface WatchedSession {
  /** Pieces requested and not yet answered → when each was requested. */
  readonly inFlight: ReadonlyMap<number, number>
  /** When the last requested piece arrived (0: never). */
  readonly lastPieceAt: number
  /** Bytes read from the stream so far, whole frames or not. */
  readonly bytesIn: number
}

export interface StallVerdict {
  /** Pieces past their timeout: release them and ask someone else. */
  late: number[]
  /** Too few bytes for a whole window while requests were waiting: close the session. */
  stalled: boolean
  /**
   * No byte at all came for PIECE_TIMEOUT_BASE_MS: late pieces are then the peer's fault (a
   * `timeout`). A peer still sending is congested (a seeder whose uplink a whole crowd shares is
   * late for everyone): its late pieces go to others without a fault, else ten of them banned the
   * crowd's seeder (docs/benchmarks.md, round 7).
   */
  silent: boolean
}

/**
 * Bounds how long a peer can hold our requests. Two checks, run on every download tick:
 * a per-piece timeout scaled to the piece's size (a slow or selectively silent peer), and a stall
 * window over raw bytes (a peer that answers nothing, or one byte a second: it never completes a
 * frame, so no piece ever arrives, and without this it could hold its pieces forever).
 */
export class StallGuard {
  /** Per session: ms spent with requests waiting since STALL_MIN_BYTES last arrived, when last checked, bytes then. */
  private readonly windows = new WeakMap<WatchedSession, { waited: number, checkedAt: number, bytes: number }>()
  /** Each session's byte count when it last changed, and when. */
  private readonly lastBytes = new WeakMap<WatchedSession, { bytes: number, at: number }>()

  check (session: WatchedSession, now: number, pieceBytes: (piece: number) => number): StallVerdict {
    const late: number[] = []
    for (const [piece, requestedAt] of session.inFlight) {
      const since = Math.max(requestedAt, session.lastPieceAt)
      if (now - since > pieceTimeoutMs(pieceBytes(piece))) late.push(piece)
    }
    let last = this.lastBytes.get(session)
    if (last === undefined || last.bytes !== session.bytesIn) {
      last = { bytes: session.bytesIn, at: last === undefined ? Math.min(now, ...session.inFlight.values()) : now }
      this.lastBytes.set(session, last)
    }
    return { late, stalled: this.stalled(session, now), silent: now - last.at >= PIECE_TIMEOUT_BASE_MS }
  }

  /**
   * Time spent with requests waiting adds up until STALL_MIN_BYTES arrive, across pauses with
   * nothing requested: a silent peer whose pieces keep going to others before a full window (the
   * endgame, a faster peer) still holds requests for a while each time, and must be caught.
   */
  private stalled (session: WatchedSession, now: number): boolean {
    let window = this.windows.get(session)
    if (window === undefined) {
      window = { waited: 0, checkedAt: now, bytes: session.bytesIn }
      this.windows.set(session, window)
    }
    if (session.inFlight.size > 0) {
      const oldest = Math.min(...session.inFlight.values())
      window.waited += Math.max(0, now - Math.max(window.checkedAt, oldest))
    }
    window.checkedAt = now
    if (session.bytesIn - window.bytes >= STALL_MIN_BYTES) {
      window.waited = 0
      window.bytes = session.bytesIn
      return false
    }
    return window.waited >= STALL_WINDOW_MS
  }
}
