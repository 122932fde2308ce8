import { MAX_QUEUED_REQUESTS } from './constants.js'
import type { Message } from '../wire/messages.js'

/** `get-manifest` answered at most this often on one stream (a requester needs it once). */
export const MAX_MANIFEST_REQUESTS_PER_STREAM = 4
/** `get-hashes` for one file answered at most this often on one stream (a requester needs it once). */
export const MAX_HASH_REQUESTS_PER_FILE = 2
/** `get-peers`: a burst of this many, then at most PEER_REQUESTS_PER_SECOND. */
export const PEER_REQUEST_BURST = 4
export const PEER_REQUESTS_PER_SECOND = 1
/**
 * Requests a provider may answer with `reject` for the requester's own doing (the stream's queue
 * is full, the piece is already queued, it is a piece we never announced, or a seed spreading its
 * first copies defers it) without a piece sent in between, before it calls the stream a flood. A
 * requester that respects the rejects (as Shoal's, which keeps at most MAX_REQUESTS_PER_PEER in
 * flight and asks a peer again for a rejected piece only after REJECT_RETRY_MS, does) never gets
 * near it.
 */
export const MAX_OVERFLOW_REJECTS = MAX_QUEUED_REQUESTS

/** The requester went past a provider's per-stream bounds; the stream is reset and the peer scored. */
export class RequesterFlood extends Error {}

/**
 * The provider's per-stream bounds on what a requester may ask for. Each answer costs the
 * provider work (a manifest of up to 8 MiB, a hash list, a peer lookup, a disk read), so a
 * requester that asks again and again for what it needs once is flooding, not downloading.
 */
export class FloodGuard {
  private manifests = 0
  private readonly hashes = new Map<number, number>()
  private peerTokens = PEER_REQUEST_BURST
  private peerTokensAt: number
  private overflows = 0
  private readonly now: () => number

  constructor (now: () => number = Date.now) {
    this.now = now
    this.peerTokensAt = now()
  }

  /** Throws RequesterFlood when answering `message` would go past a bound. */
  check (message: Message): void {
    switch (message.type) {
      case 'get-manifest':
        if (++this.manifests > MAX_MANIFEST_REQUESTS_PER_STREAM) throw new RequesterFlood(`more than ${MAX_MANIFEST_REQUESTS_PER_STREAM} get-manifest on one stream`)
        return
      case 'get-hashes': {
        const n = (this.hashes.get(message.file) ?? 0) + 1
        if (n > MAX_HASH_REQUESTS_PER_FILE) throw new RequesterFlood(`get-hashes for file ${message.file} more than ${MAX_HASH_REQUESTS_PER_FILE} times`)
        this.hashes.set(message.file, n)
        return
      }
      case 'get-peers': {
        const now = this.now()
        this.peerTokens = Math.min(PEER_REQUEST_BURST, this.peerTokens + (now - this.peerTokensAt) / 1000 * PEER_REQUESTS_PER_SECOND)
        this.peerTokensAt = now
        if (this.peerTokens < 1) throw new RequesterFlood(`get-peers more than ${PEER_REQUESTS_PER_SECOND} per second`)
        this.peerTokens -= 1
        return
      }
      default:
    }
  }

  /** A request was rejected for the requester's own doing (see MAX_OVERFLOW_REJECTS). */
  overflowed (): void {
    if (++this.overflows > MAX_OVERFLOW_REJECTS) throw new RequesterFlood(`more than ${MAX_OVERFLOW_REJECTS} requests rejected without a piece sent between them`)
  }

  /** A piece was sent on the stream: the requester is downloading, not flooding. */
  served (): void {
    this.overflows = 0
  }
}
