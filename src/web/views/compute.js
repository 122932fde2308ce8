import { h, setText } from '../lib/dom.js'
import { formatBytes, shortId } from '../lib/format.js'

/** Processing sharing is read from GET /api/v1/compute this often. */
const COMPUTE_INTERVAL_MS = 5000
/** Rows shown of each list, newest first. */
const MAX_ROWS = 20

const when = ms => new Date(ms).toISOString().slice(11, 19)

/** Runs this node asked for (job, inputs, workers, state, agreement, time) and jobs it ran for others as a worker. */
export class ComputeView {
  constructor ({ root, empty, count, api }) {
    Object.assign(this, { root, empty, count, api })
  }

  start () {
    const load = () => this.api.call('GET', '/compute').then(status => this.render(status), () => {})
    load()
    setInterval(load, COMPUTE_INTERVAL_MS)
  }

  render (status) {
    const rows = []
    for (const run of status.runs.slice(0, MAX_ROWS)) {
      const agreement = run.result !== undefined ? `agreed ${run.result.agreed}/${run.result.of}${run.result.cached ? ' (cached)' : ''}` : run.error !== undefined ? run.error.code : `${run.events.filter(e => e.event === 'commit').length}/${run.replicas} committed`
      const took = run.endedAt !== undefined ? `${((run.endedAt - run.startedAt) / 1000).toFixed(1)} s` : 'running'
      rows.push(h('tr', { dataset: { state: run.state } },
        h('td', { class: 'mono', title: run.job ?? '' }, `run ${run.job !== undefined ? shortId(run.job) : '…'} · ${run.inputs.length} input${run.inputs.length === 1 ? '' : 's'}`),
        h('td', {}, run.state), h('td', {}, agreement),
        h('td', { class: 'small mono' }, (run.result?.workers ?? []).map(shortId).join(' ')), h('td', { class: 'small' }, `${when(run.startedAt)} · ${took}`)))
    }
    for (const job of status.served.slice(-MAX_ROWS).reverse()) {
      rows.push(h('tr', { dataset: { state: job.state } },
        h('td', { class: 'mono', title: job.job }, `served ${shortId(job.job)} for ${shortId(job.from)}`),
        h('td', {}, job.error ?? job.state), h('td', { class: 'small' }, `${formatBytes(job.inputMovedBytes)} input moved`),
        h('td', { class: 'small' }, `${(job.cpuMs / 1000).toFixed(2)} s CPU`), h('td', { class: 'small' }, when(job.startedAt))))
    }
    this.root.replaceChildren(...rows)
    this.empty.hidden = rows.length > 0
    const c = status.counters
    const worker = status.worker ? `worker ${status.busySlots}/${status.limits.slots} busy · ${c.served.revealed} served, ${c.served.refused} refused, ${c.served.failed} failed · ` : ''
    setText(this.count, `${worker}${c.runs.agreed + c.runs.cached} runs agreed, ${c.runs.no_quorum} no quorum, ${c.splits} splits`)
  }
}
