import type { PieceEvent } from '../swarm/requester/download.js'
import type { Fault } from '../swarm/common/peer-scores.js'
import { PROTOCOL } from '../swarm/wire/constants.js'
import { DHT_PROTOCOL } from '../net/libp2p.js'
import { MetricsRegistry, type Sample } from './registry.js'

/** What the metrics read from the node when scraped. */
export interface MetricsSource {
  peerId: string
  version: string
  connectedPeers: () => number
  bannedPeers: () => number
  dhtPeers: () => number
  uploadedBytes: () => number
  contentCount: () => Record<'share' | 'download', number>
  downloadsByState: () => Record<string, number>
  /** What the node holds for other peers (budget/), by kind, and the node budget. */
  bufferedBytes?: () => Record<string, number>
  budgetBytes?: () => number
  /** Streams and direct connections reset because the peer stopped reading. */
  stalledResets?: () => number
}

/**
 * Shoal's metrics for Prometheus (`GET /metrics`): traffic, peers, pieces verified and rejected,
 * DHT operations, errors per protocol, API requests. Counters are fed by the daemon's hooks;
 * gauges are read from the node at scrape time.
 */
export class ShoalMetrics {
  readonly registry = new MetricsRegistry()
  private readonly downloadedBytes
  private readonly piecesVerified
  private readonly piecesRejected
  private readonly dhtOperations
  private readonly protocolErrors
  private readonly apiRequests
  private readonly startedAt = Date.now()

  constructor (source: MetricsSource) {
    const r = this.registry
    r.gauge('shoal_info', 'Constant 1, labelled with this node\'s peer ID and Shoal version.', () => [{ labels: { peer_id: source.peerId, version: source.version }, value: 1 }])
    this.downloadedBytes = r.counter('shoal_downloaded_bytes_total', 'Bytes of verified pieces received from peers.')
    r.counter('shoal_uploaded_bytes_total', 'Bytes of pieces sent to peers.', () => source.uploadedBytes())
    r.gauge('shoal_peers_connected', 'Peers with an open connection.', () => source.connectedPeers())
    r.gauge('shoal_peers_banned', 'Peers refused for sending bad data, breaking the protocol, or by hand.', () => source.bannedPeers())
    r.gauge('shoal_dht_routing_table_peers', 'Peers in the DHT routing table.', () => source.dhtPeers())
    this.piecesVerified = r.counter('shoal_pieces_verified_total', 'Pieces received that matched their hash and were written.')
    this.piecesRejected = r.counter('shoal_pieces_rejected_total', 'Pieces received that failed their hash check (the sender is banned).')
    this.dhtOperations = r.counter('shoal_dht_operations_total', 'DHT operations by kind (provide, find_providers) and result (ok, error).')
    this.protocolErrors = r.counter('shoal_protocol_errors_total', 'Errors by protocol and kind: swarm faults of peers, failed DHT operations, API errors.')
    this.apiRequests = r.counter('shoal_api_requests_total', 'HTTP API requests by status class.')
    r.gauge('shoal_content', 'Content this node serves or fetches, by role.', () => {
      const counts = source.contentCount()
      return Object.entries(counts).map(([role, value]): Sample => ({ labels: { role }, value }))
    })
    r.gauge('shoal_downloads', 'Downloads the daemon manages, by state.', () => {
      return Object.entries(source.downloadsByState()).map(([state, value]): Sample => ({ labels: { state }, value }))
    })
    // Known series start at 0, so rate() and alerts work before the first event.
    for (const counter of [this.downloadedBytes, this.piecesVerified, this.piecesRejected]) counter.inc(undefined, 0)
    for (const operation of ['provide', 'find_providers']) {
      for (const result of ['ok', 'error']) this.dhtOperations.inc({ operation, result }, 0)
      this.protocolErrors.inc({ protocol: DHT_PROTOCOL, kind: operation }, 0)
    }
    for (const kind of ['bad-piece', 'protocol-error', 'timeout']) this.protocolErrors.inc({ protocol: PROTOCOL, kind }, 0)
    r.gauge('shoal_buffered_bytes', 'Bytes the node holds on behalf of other peers, by kind (read-ahead, requests, receive); bounded by shoal_buffer_budget_bytes.', () => {
      return Object.entries(source.bufferedBytes?.() ?? {}).map(([kind, value]): Sample => ({ labels: { kind }, value }))
    })
    r.gauge('shoal_buffer_budget_bytes', 'The node-wide memory budget for what it holds on behalf of other peers.', () => source.budgetBytes?.() ?? 0)
    r.counter('shoal_streams_reset_total', 'Streams and direct connections the node reset, by reason (stalled-reader: the peer stopped reading).', () => [{ labels: { reason: 'stalled-reader' }, value: source.stalledResets?.() ?? 0 }])
    r.gauge('process_start_time_seconds', 'Start time of the process since the Unix epoch, in seconds.', () => Math.floor(this.startedAt / 1000))
    r.gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', () => process.memoryUsage.rss())
    r.gauge('nodejs_heap_used_bytes', 'V8 heap in use, in bytes.', () => process.memoryUsage().heapUsed)
  }

  piece (event: PieceEvent): void {
    if (event.valid) {
      this.piecesVerified.inc()
      this.downloadedBytes.inc(undefined, event.bytes)
    } else {
      this.piecesRejected.inc()
    }
  }

  dht (operation: 'provide' | 'find_providers', ok: boolean): void {
    this.dhtOperations.inc({ operation, result: ok ? 'ok' : 'error' })
    if (!ok) this.protocolErrors.inc({ protocol: DHT_PROTOCOL, kind: operation })
  }

  fault (fault: Fault): void {
    this.protocolErrors.inc({ protocol: PROTOCOL, kind: fault })
  }

  apiRequest (status: number): void {
    const statusClass = `${Math.floor(status / 100)}xx`
    this.apiRequests.inc({ status: statusClass })
    if (status >= 400) this.protocolErrors.inc({ protocol: 'http', kind: statusClass })
  }

  render (): string {
    return this.registry.render()
  }
}
