import { h, setText } from '../lib/dom.js'
import { formatBytes, shortId } from '../lib/format.js'

/** Storage sharing is read from GET /api/v1/storage this often. */
const STORAGE_INTERVAL_MS = 5000

const when = ms => new Date(ms).toISOString().slice(0, 16).replace('T', ' ')

/** Replicated contents (copies wanted and healthy, each holder's state, last audit, lease) and what this node holds for others. */
export class StorageView {
  constructor ({ root, empty, count, api }) {
    Object.assign(this, { root, empty, count, api })
  }

  start () {
    const load = () => this.api.call('GET', '/storage').then(status => this.render(status), () => {})
    load()
    setInterval(load, STORAGE_INTERVAL_MS)
  }

  render (status) {
    const rows = []
    for (const r of status.replications) {
      const healthy = r.holders.filter(x => x.state === 'held').length
      rows.push(h('tr', { class: 'storage-content' },
        h('td', {}, h('strong', {}, r.name), h('div', { class: 'muted small mono', title: r.cid }, `${shortId(r.cid)} · ${formatBytes(r.bytes)}`)),
        h('td', {}, `copies ${healthy}/${r.copies} healthy`), h('td', {}), h('td', {})))
      for (const holder of r.holders) {
        const audit = holder.lastAudit === undefined ? 'not yet' : `${when(holder.lastAudit.at)} ${holder.lastAudit.ok ? 'ok' : `failed: ${holder.lastAudit.reason ?? ''}`}`
        rows.push(h('tr', { dataset: { state: holder.state } },
          h('td', { class: 'mono', title: holder.peerId }, `  ${shortId(holder.peerId)}${holder.replaced === true ? ' (replaced)' : ''}`),
          h('td', {}, holder.state), h('td', { class: 'small' }, audit), h('td', { class: 'small' }, when(holder.expiresAt))))
      }
    }
    for (const held of status.held) {
      rows.push(h('tr', {},
        h('td', { class: 'mono', title: held.cid }, `held ${shortId(held.cid)} · ${formatBytes(held.bytes)} for ${shortId(held.owner)}`),
        h('td', {}, held.state), h('td', {}), h('td', { class: 'small' }, when(held.expiresAt))))
    }
    this.root.replaceChildren(...rows)
    this.empty.hidden = rows.length > 0
    setText(this.count, status.offeredBytes > 0 ? `${formatBytes(status.usedBytes)} of ${formatBytes(status.offeredBytes)} offered` : '')
  }
}
