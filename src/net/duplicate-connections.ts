import type { Connection, Libp2p } from '@libp2p/interface'
import { DUPLICATE_CLOSE_POLL_MS, DUPLICATE_CLOSE_WAIT_MS } from './constants.js'

/**
 * Keeps one connection per pair of peers. Two peers that learn of each other at the same moment
 * (peer exchange in a flash crowd) dial each other at once, and libp2p keeps both connections:
 * a second Noise handshake, identify, DHT pings and liveness pings for nothing. Of an outbound and
 * an inbound connection with one peer, both ends keep the one dialled by the peer with the smaller
 * ID and close the other, gracefully, once no stream is open on it any more (a swarm session on
 * it moves to a direct connection or ends; libp2p's own streams are short), so nothing in flight
 * is cut. Relayed (limited) connections are left alone: they give way to direct ones elsewhere.
 */
export function keepOneConnectionPerPeer (libp2p: Libp2p): void {
  const local = libp2p.peerId.toString()
  const doomed = new WeakSet<Connection>()
  libp2p.addEventListener('connection:open', evt => {
    const opened = evt.detail
    if (opened.limits !== undefined) return
    const other = libp2p.getConnections(opened.remotePeer)
      .find(c => c !== opened && c.limits === undefined && c.status === 'open' && c.direction !== opened.direction)
    if (other === undefined) return
    const remote = opened.remotePeer.toString()
    // The connection whose dialler has the smaller peer ID stays: both ends see the same pair and pick alike.
    const keepOutbound = local < remote
    const extra = (opened.direction === 'outbound') === keepOutbound ? other : opened
    if (doomed.has(extra)) return
    doomed.add(extra)
    closeWhenIdle(extra)
  })
}

function closeWhenIdle (connection: Connection): void {
  const deadline = Date.now() + DUPLICATE_CLOSE_WAIT_MS
  const timer = setInterval(() => {
    if (connection.status !== 'open' || Date.now() > deadline) {
      clearInterval(timer)
      return
    }
    if (connection.streams.length > 0) return
    clearInterval(timer)
    connection.close().catch(() => {})
  }, DUPLICATE_CLOSE_POLL_MS)
  timer.unref?.()
}
