import type { Connection, PeerId } from '@libp2p/interface'
import { ErrorCode, ShoalError } from '../errors.js'
import type { ShoalLibp2p } from '../net/libp2p.js'
import { DIRECT_PATH_POLL_MS, DIRECT_PATH_WAIT_MS } from './constants.js'

/**
 * A connection to `peer` fit for piece data. libp2p dials direct addresses first; when only a
 * relay answered and the relay limits the circuit (a signalling relay: RELAY_CIRCUIT_BYTES), this
 * waits for DCUtR to bring a direct connection (its unilateral dial, then a hole punch) and
 * returns that. No direct path within DIRECT_PATH_WAIT_MS: UNREACHABLE, said plainly, rather than
 * a session the relay cuts after a few pieces. An unlimited relayed connection (a data relay,
 * `--relay-data`) is returned as it is: the last resort libp2p picked because nothing else answered.
 */
export async function connectionForData (libp2p: ShoalLibp2p, peer: PeerId, signal: AbortSignal): Promise<Connection> {
  const first = await libp2p.dial(peer, { signal })
  if (first.limits === undefined) return first
  const deadline = Date.now() + DIRECT_PATH_WAIT_MS
  while (Date.now() < deadline && !signal.aborted) {
    const direct = libp2p.getConnections(peer).find(c => c.limits === undefined && c.status === 'open')
    if (direct !== undefined) return direct
    await new Promise(resolve => setTimeout(resolve, DIRECT_PATH_POLL_MS))
  }
  signal.throwIfAborted()
  throw new ShoalError(ErrorCode.Unreachable,
    `peer ${peer.toString()} is reachable only through relays that carry no data, and no direct path opened within ${DIRECT_PATH_WAIT_MS / 1000} s (hole punching failed: a symmetric NAT?); a relay started with --relay-data would carry it`)
}
