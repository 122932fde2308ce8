import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client'
import type { PieceEvent } from '../swarm/requester/download.js'
import type { Fault } from '../swarm/common/peer-scores.js'
import { PROTOCOL } from '../swarm/wire/constants.js'
import { DHT_PROTOCOL } from '../net/libp2p.js'
import type { ComputeCounters } from '../compute/counters.js'

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
  /** Processing sharing's counters (src/compute/counters.ts), if it runs. */
  compute?: () => ComputeCounters | undefined
  /** What the node holds for other peers (budget/), by kind, and the node budget. */
  bufferedBytes?: () => Record<string, number>
  budgetBytes?: () => number
  /** Streams and direct connections the node reset, by reason (stalled-reader, partial-frame). */
  streamResets?: () => Record<string, number>
}

/**
 * Shoal's metrics for Prometheus (`GET /metrics`), in a prom-client registry shared with libp2p's
 * own (@libp2p/prometheus-metrics: connections, dials, relay, hole punching) and prom-client's
 * default process and Node.js metrics: traffic, peers, pieces verified and rejected, DHT
 * operations, errors per protocol, API requests. Counters are fed by the daemon's hooks; gauges
 * are read from the node at scrape time.
 */
export class ShoalMetrics {
  readonly registry: Registry
  private readonly downloadedBytes
  private readonly piecesVerified
  private readonly piecesRejected
  private readonly dhtOperations
  private readonly protocolErrors
  private readonly apiRequests

  /** `registry`: the one libp2p's metrics went into (node option `metricsRegistry`), or a new one. */
  constructor (source: MetricsSource, registry = new Registry()) {
    this.registry = registry
    const registers = [registry]
    // libp2p's metrics collect the defaults into the registry they are given; else do it here.
    if (registry.getSingleMetric('process_start_time_seconds') === undefined) collectDefaultMetrics({ register: registry })
    const gauge = (name: string, help: string, read: () => number): void => {
      void new Gauge({ name, help, registers, collect () { this.set(read()) } })
    }
    const labelled = (name: string, help: string, label: string, read: () => Record<string, number>): void => {
      void new Gauge({
        name,
        help,
        labelNames: [label],
        registers,
        collect () {
          this.reset()
          for (const [value, count] of Object.entries(read())) this.set({ [label]: value }, count)
        }
      })
    }
    new Gauge({ name: 'shoal_info', help: 'Constant 1, labelled with this node\'s peer ID and Shoal version.', labelNames: ['peer_id', 'version'], registers })
      .set({ peer_id: source.peerId, version: source.version }, 1)
    this.downloadedBytes = new Counter({ name: 'shoal_downloaded_bytes_total', help: 'Bytes of verified pieces received from peers.', registers })
    void new Counter({
      name: 'shoal_uploaded_bytes_total',
      help: 'Bytes of pieces sent to peers.',
      registers,
      collect () { this.reset(); this.inc(source.uploadedBytes()) }
    })
    gauge('shoal_peers_connected', 'Peers with an open connection.', () => source.connectedPeers())
    gauge('shoal_peers_banned', 'Peers refused for sending bad data, breaking the protocol, or by hand.', () => source.bannedPeers())
    gauge('shoal_dht_routing_table_peers', 'Peers in the DHT routing table.', () => source.dhtPeers())
    this.piecesVerified = new Counter({ name: 'shoal_pieces_verified_total', help: 'Pieces received that matched their hash and were written.', registers })
    this.piecesRejected = new Counter({ name: 'shoal_pieces_rejected_total', help: 'Pieces received that failed their hash check (the sender is banned).', registers })
    this.dhtOperations = new Counter({ name: 'shoal_dht_operations_total', help: 'DHT operations by kind (provide, find_providers) and result (ok, error).', labelNames: ['operation', 'result'], registers })
    this.protocolErrors = new Counter({ name: 'shoal_protocol_errors_total', help: 'Errors by protocol and kind: swarm faults of peers, failed DHT operations, API errors.', labelNames: ['protocol', 'kind'], registers })
    this.apiRequests = new Counter({ name: 'shoal_api_requests_total', help: 'HTTP API requests by status class.', labelNames: ['status'], registers })
    labelled('shoal_content', 'Content this node serves or fetches, by role.', 'role', () => source.contentCount())
    labelled('shoal_downloads', 'Downloads the daemon manages, by state.', 'state', () => source.downloadsByState())
    const fromCompute = (name: string, help: string, label: string, read: (c: ComputeCounters) => Record<string, number>): void => {
      void new Counter({
        name,
        help,
        labelNames: [label],
        registers,
        collect () {
          this.reset()
          const counters = source.compute?.()
          if (counters !== undefined) for (const [value, count] of Object.entries(read(counters))) this.inc({ [label]: value }, count)
        }
      })
    }
    fromCompute('shoal_compute_jobs_served_total', 'Jobs this node ran for others (a worker), by outcome: revealed, refused, failed.', 'outcome', c => c.served)
    fromCompute('shoal_compute_runs_total', 'Jobs this node asked workers to run, by outcome: agreed, cached, no_quorum, no_workers, failed.', 'outcome', c => c.runs)
    void new Counter({ name: 'shoal_compute_quorum_splits_total', help: 'Rounds of a run with no strict majority, where one more replica was asked.', registers, collect () { this.reset(); this.inc(source.compute?.()?.splits ?? 0) } })
    void new Counter({ name: 'shoal_compute_cpu_seconds_total', help: 'Seconds of runner time given to others\' jobs.', registers, collect () { this.reset(); this.inc(source.compute?.()?.cpuSeconds ?? 0) } })
    gauge('nodejs_heap_used_bytes', 'V8 heap in use, in bytes.', () => process.memoryUsage().heapUsed)
    // Known series start at 0, so rate() and alerts work before the first event.
    for (const operation of ['provide', 'find_providers']) {
      for (const result of ['ok', 'error']) this.dhtOperations.inc({ operation, result }, 0)
      this.protocolErrors.inc({ protocol: DHT_PROTOCOL, kind: operation }, 0)
    }
    for (const kind of ['bad-piece', 'protocol-error', 'timeout']) this.protocolErrors.inc({ protocol: PROTOCOL, kind }, 0)
    labelled('shoal_buffered_bytes', 'Bytes the node holds on behalf of other peers, by kind (read-ahead, requests, receive, partial-frame); bounded by shoal_buffer_budget_bytes.', 'kind', () => source.bufferedBytes?.() ?? {})
    gauge('shoal_buffer_budget_bytes', 'The node-wide memory budget for what it holds on behalf of other peers.', () => source.budgetBytes?.() ?? 0)
    void new Counter({
      name: 'shoal_streams_reset_total',
      help: 'Streams and direct connections the node reset, by reason (stalled-reader: the peer stopped reading; partial-frame: a frame was not finished in time).',
      labelNames: ['reason'],
      registers,
      collect () {
        this.reset()
        for (const [reason, count] of Object.entries(source.streamResets?.() ?? {})) this.inc({ reason }, count)
      }
    })
  }

  piece (event: PieceEvent): void {
    if (event.valid) {
      this.piecesVerified.inc()
      this.downloadedBytes.inc(event.bytes)
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

  /** The Prometheus text exposition, and its content type. */
  async render (): Promise<{ text: string, contentType: string }> {
    return { text: await this.registry.metrics(), contentType: this.registry.contentType }
  }
}
