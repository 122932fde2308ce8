/**
 * `shoal run`'s progress: each step as a `--json` event (compute/progress.ts), and on a terminal
 * one line redrawn in place on stderr: workers found, jobs sent, commitments, reveals.
 */
import type { RunProgress } from '../compute/progress.js'
import { ProgressLine } from './progress-bar.js'
import { shortId } from './format.js'
import type { Reporter } from './reporter.js'

export class RunProgressReport {
  private readonly line?: ProgressLine
  private job = ''
  private replicas = 0
  private found = 0
  private sent = 0
  private commits = 0
  private reveals = 0
  private refused = 0

  constructor (private readonly reporter: Reporter) {
    if (reporter.tty) this.line = new ProgressLine(process.stderr)
  }

  readonly update = (p: RunProgress): void => {
    this.reporter.event(p)
    switch (p.event) {
      case 'job': this.job = p.job; this.replicas = p.replicas; break
      case 'workers': this.found = p.found; break
      case 'job-sent': this.sent++; break
      case 'commit': this.commits = p.commits; break
      case 'refused': this.refused++; break
      case 'reveal': this.reveals = p.reveals; break
      case 'quorum': break
    }
    const refused = this.refused > 0 ? `, ${this.refused} refused` : ''
    const text = p.event === 'quorum'
      ? `job ${shortId(this.job)}: agreed ${p.agreed}/${p.of}, downloading the result…`
      : p.event === 'cached'
        ? `agreed result ${shortId(p.result)} found (${p.source === 'dht' ? `DHT record, ${p.signers} signers checked` : 'this node'}), nothing to run`
        : p.event === 'published'
          ? `agreed result published in the DHT (${p.stored} peers)`
          : `job ${shortId(this.job)}: ${this.found} workers found, sent to ${this.sent}${refused}, ${this.commits}/${this.replicas} committed, ${this.reveals} revealed`
    this.line?.update(text)
  }

  clear (): void {
    this.line?.clear()
  }
}
