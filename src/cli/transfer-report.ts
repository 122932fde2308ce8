/** What `shoal share` and `shoal get` print, the same with or without a daemon: events and summaries. */
import type { DownloadProgress, DownloadResult, ShareResult } from '../node/node.js'
import { formatBytes, formatDuration, formatRate, shortId } from './format.js'
import type { Reporter } from './reporter.js'
import { webLinkOf } from '../api/web-link.js'

/** `--json` progress events at most this often (the terminal bar updates more often). */
export const JSON_PROGRESS_INTERVAL_MS = 1_000

/** The `progress` event of the `--json` contract. */
export function progressEvent (p: DownloadProgress): { event: 'progress' } & Record<string, unknown> {
  return { event: 'progress', cid: p.cid, phase: p.phase, bytes: p.verifiedBytes, total: p.totalBytes, received: p.receivedBytes, pieces: p.piecesDone, totalPieces: p.pieces, peers: p.peers, rate: Math.round(p.bytesPerSecond) }
}

/** The `done` event, and the summary a person reads. */
export function reportDone (result: DownloadResult, reporter: Reporter): void {
  reporter.event({ event: 'done', cid: result.cid, path: result.path, bytes: result.bytes, received: result.received, direct: result.direct, relayed: result.relayed, peers: result.peers, name: result.name, publisher: result.publisher, durationMs: result.durationMs })
  const seconds = Math.max(result.durationMs, 1) / 1000
  reporter.say(`Downloaded ${result.name} to ${result.path}`)
  reporter.say(`  ${formatBytes(result.bytes)} in ${formatDuration(result.durationMs)} (${formatRate(result.received / seconds)}), verified`)
  reporter.say(`  published by ${result.publisher}`)
  const sources = Object.entries(result.peers).sort((a, b) => b[1] - a[1])
  if (sources.length > 0) {
    reporter.say(`  from ${sources.length} peer${sources.length === 1 ? '' : 's'}: ${sources.map(([id, bytes]) => `${shortId(id)} ${formatBytes(bytes)}`).join(', ')}`)
  }
}

/** The `sharing` event, and the lines a person reads, for one shared path. */
export function reportShared (result: ShareResult & { peerId: string, addrs: string[] }, reporter: Reporter, pageUrl?: string): void {
  // For someone with only a browser (api/page-server.ts): when the node has WebSockets addresses.
  const web = pageUrl !== undefined ? webLinkOf(result.link, result.addrs, pageUrl) : undefined
  reporter.event({ event: 'sharing', link: result.link, cid: result.cid, peerId: result.peerId, addrs: result.addrs, name: result.name, kind: result.kind, bytes: result.bytes, files: result.files, skipped: result.skipped, ...(web !== undefined ? { web } : {}) })
  reporter.say(`Sharing ${result.name} (${result.kind === 'dir' ? `folder, ${result.files} files, ` : ''}${formatBytes(result.bytes)})`)
  reporter.say(`  link: ${result.link}`)
  if (web !== undefined) reporter.say(`  web:  ${web}`)
  reporter.say(`  cid:  ${result.cid}`)
  for (const skipped of result.skipped) reporter.note(`  not shared (not a regular file): ${skipped}`)
}
