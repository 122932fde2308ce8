import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { ShoalMetrics } from '../../src/metrics/shoal-metrics.js'

const source = {
  peerId: '12D3KooWtest',
  version: '0.0.0',
  connectedPeers: () => 3,
  bannedPeers: () => 1,
  dhtPeers: () => 2,
  uploadedBytes: () => 4096,
  contentCount: () => ({ share: 2, download: 1 }),
  downloadsByState: () => ({ done: 1 }),
  bufferedBytes: () => ({ 'read-ahead': 1048576, requests: 32, receive: 16384 }),
  budgetBytes: () => 167772160,
  streamResets: () => ({ 'stalled-reader': 2, 'partial-frame': 1 })
}

test('Shoal\'s metrics and prom-client\'s process defaults in one Prometheus text, counters fed, gauges read at scrape', async () => {
  const metrics = new ShoalMetrics(source)
  metrics.piece({ piece: 0, peerId: 'p', bytes: 1000, valid: true, transport: 'direct' })
  metrics.piece({ piece: 1, peerId: 'p', bytes: 1000, valid: false, transport: 'direct' })
  metrics.apiRequest(404)
  const { text, contentType } = await metrics.render()
  assert.match(contentType, /^text\/plain/)
  for (const line of [
    'shoal_downloaded_bytes_total 1000', 'shoal_pieces_verified_total 1', 'shoal_pieces_rejected_total 1',
    'shoal_uploaded_bytes_total 4096', 'shoal_peers_connected 3', 'shoal_peers_banned 1', 'shoal_dht_routing_table_peers 2',
    'shoal_content{role="share"} 2', 'shoal_downloads{state="done"} 1', 'shoal_api_requests_total{status="4xx"} 1',
    'shoal_info{peer_id="12D3KooWtest",version="0.0.0"} 1', 'shoal_dht_operations_total{operation="provide",result="ok"} 0',
    'shoal_buffered_bytes{kind="read-ahead"} 1048576', 'shoal_buffered_bytes{kind="receive"} 16384', 'shoal_buffer_budget_bytes 167772160',
    'shoal_streams_reset_total{reason="stalled-reader"} 2', 'shoal_streams_reset_total{reason="partial-frame"} 1'
  ]) assert.ok(text.split('\n').includes(line), `missing '${line}'`)
  assert.match(text, /^# TYPE process_resident_memory_bytes gauge$/m)
  assert.match(text, /^process_start_time_seconds \d+/m)
  assert.match(text, /^nodejs_heap_used_bytes \d+/m)
})
