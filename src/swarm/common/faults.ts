import { ErrorCode, ShoalError } from '../../errors.js'
import type { Fault } from './peer-scores.js'
import { ReaderStalled } from './message-channel.js'
import { FrameDeadlineExceeded, StreamEndedInsideFrame } from '../wire/frame-reader.js'

/** The peer broke the protocol (as opposed to a network failure): it is scored down for it. */
export class ProtocolViolation extends Error {}

/**
 * The peer kept us waiting past a bound: no answer to `open` or to a question within the
 * handshake timeout, or requests in flight and (next to) no bytes for a whole stall window.
 * (A peer that stops reading what we send is ReaderStalled, message-channel.ts: the same fault.)
 */
export class PeerStalled extends Error {}

/** Errors of the wire decoder: the bytes a peer sent are not a valid frame or message. */
const WIRE_ERRORS: ReadonlySet<string> = new Set([ErrorCode.BadMessage, ErrorCode.FrameTooLarge])

/**
 * What, if anything, the peer on the other end is to blame for when a stream fails with `err`.
 * Network failures (resets, closed connections, our own aborts) are nobody's fault: undefined.
 */
export function faultOf (err: unknown): Fault | undefined {
  if (err instanceof ProtocolViolation) return 'protocol-error'
  if (err instanceof PeerStalled || err instanceof ReaderStalled || err instanceof FrameDeadlineExceeded) return 'stalled'
  // A peer whose node exits while it sends a piece cuts the frame short (in a flash crowd, every
  // downloader that finishes did, and two such cuts banned the peer: docs/benchmarks.md, round 7).
  if (err instanceof StreamEndedInsideFrame) return undefined
  if (err instanceof ShoalError && WIRE_ERRORS.has(err.code)) return 'protocol-error'
  return undefined
}
