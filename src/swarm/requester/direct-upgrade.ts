import type { Pipe } from '../../net/pipe.js'
import { DIRECT_MIN_BYTES, DIRECT_UPGRADE_RETRY_MS, PIECE_TIMEOUT_MS } from './constants.js'
import { PeerSession } from './peer-session.js'

/** What an attempt to move a session came to: not tried (nothing to do), or tried, with the new session if it worked. */
export type UpgradeAttempt = { tried: false } | { tried: true, direct?: PeerSession }

/**
 * Moves a download's libp2p-stream sessions to direct connections with the same peers (net/direct/),
 * when there is enough left to fetch for it to pay (DIRECT_MIN_BYTES). A session's first attempt
 * holds its requests back (bulk data from the first byte on the direct connection); a session that
 * stays on libp2p (the peer cannot be reached directly, or a dial timed out under load) is due to
 * try again every DIRECT_UPGRADE_RETRY_MS, without holding its requests.
 */
export class DirectUpgrades {
  /** Peers a session is being moved for: first tries hold its requests back, retries do not. */
  private readonly upgrading = new Map<string, 'first' | 'retry'>()
  /** When each libp2p session last tried to move. */
  private readonly triedAt = new WeakMap<PeerSession, number>()

  constructor (
    private readonly openDirect: ((peerId: string, signal: AbortSignal) => Promise<Pipe | undefined>) | undefined,
    private readonly cid: Uint8Array,
    private readonly signal: AbortSignal
  ) {}

  /** The session's first move is under way: its requests wait for the direct connection. */
  holdsRequests (session: PeerSession): boolean {
    return session.transport === 'libp2p' && this.upgrading.get(session.peerId) === 'first'
  }

  /**
   * A direct connection for a new session with `peerId`, when the content is known to be big
   * enough (else, or if the peer cannot be reached directly: undefined, and the caller opens a
   * libp2p stream). A session that starts there has nothing to move later. Failing to reach the
   * peer at all throws, as opening a stream would.
   */
  async openFirst (peerId: string, bytesLeft: number, signal: AbortSignal): Promise<Pipe | undefined> {
    if (this.openDirect === undefined || bytesLeft < DIRECT_MIN_BYTES) return undefined
    return await this.openDirect(peerId, signal)
  }

  /** A session left on libp2p after an attempt, due for another. */
  due (session: PeerSession, now: number): boolean {
    return !session.retiring && now - (this.triedAt.get(session) ?? now) >= DIRECT_UPGRADE_RETRY_MS
  }

  /** Opens a session to `session`'s peer over a direct connection, if it pays with `bytesLeft` to fetch. */
  async attempt (session: PeerSession, bytesLeft: number): Promise<UpgradeAttempt> {
    if (this.openDirect === undefined || session.transport !== 'libp2p') return { tried: false }
    if (this.upgrading.has(session.peerId) || bytesLeft < DIRECT_MIN_BYTES) return { tried: false }
    this.upgrading.set(session.peerId, this.triedAt.has(session) ? 'retry' : 'first')
    this.triedAt.set(session, Date.now())
    try {
      // A peer that just left (its libp2p dial refused) stays on the stream it has, if any.
      const pipe = await this.openDirect(session.peerId, AbortSignal.any([this.signal, AbortSignal.timeout(PIECE_TIMEOUT_MS)])).catch(() => undefined)
      if (pipe === undefined) return { tried: true }
      return { tried: true, direct: await PeerSession.open(session.peerId, pipe, this.cid).catch(() => undefined) }
    } finally {
      this.upgrading.delete(session.peerId)
    }
  }
}
