import type { DownloadProgress } from '../swarm/requester/download.js'
import { formatBytes, formatDuration, formatRate } from './format.js'

export const BAR_WIDTH = 24

/** One line, redrawn in place on a terminal: bar, bytes, rate, peers, ETA. */
export function renderProgress (p: DownloadProgress): string {
  if (p.phase === 'finding') {
    return `finding peers for ${p.cid.slice(0, 16)}… (${p.peers} connected)`
  }
  const fraction = p.totalBytes === 0 ? 1 : p.verifiedBytes / p.totalBytes
  const filled = Math.round(fraction * BAR_WIDTH)
  const bar = '█'.repeat(filled) + '░'.repeat(BAR_WIDTH - filled)
  const left = p.totalBytes - p.verifiedBytes
  const eta = p.bytesPerSecond > 0 ? formatDuration((left / p.bytesPerSecond) * 1000) : '–'
  return `${bar} ${(fraction * 100).toFixed(1).padStart(5)}%  ${formatBytes(p.verifiedBytes)} / ${formatBytes(p.totalBytes)}  ${formatRate(p.bytesPerSecond)}  ${p.peers} peer${p.peers === 1 ? '' : 's'}  ETA ${eta}`
}

export class ProgressLine {
  private last = ''
  constructor (private readonly out: NodeJS.WriteStream) {}

  update (text: string): void {
    const width = this.out.columns ?? 100
    const line = text.length > width - 1 ? text.slice(0, width - 1) : text
    if (line === this.last) return
    this.last = line
    this.out.write(`\r\x1b[2K${line}`)
  }

  clear (): void {
    if (this.last !== '') this.out.write('\r\x1b[2K')
    this.last = ''
  }
}
