import { h, icon, iconButton, setText } from '../lib/dom.js'
import { formatBytes, formatDuration, formatPercent, formatRate, shortId } from '../lib/format.js'
import { PieceMapView } from './piece-map.js'

const STATE_LABEL = { finding: 'Finding peers', downloading: 'Downloading', paused: 'Paused', done: 'Done', failed: 'Failed' }

/** The downloads panel: one card per download, updated in place as events arrive. */
export class DownloadsView {
  constructor ({ root, empty, count, api, colors, toasts }) {
    Object.assign(this, { root, empty, count, api, colors, toasts })
    this.cards = new Map()
  }

  /** `downloads`: every download the daemon manages, newest first. */
  render (downloads) {
    const seen = new Set()
    for (const info of downloads) {
      seen.add(info.id)
      let card = this.cards.get(info.id)
      if (card === undefined) {
        card = new DownloadCard(info, this)
        this.cards.set(info.id, card)
        this.root.prepend(card.el)
      }
      card.update(info)
    }
    for (const [id, card] of this.cards) {
      if (!seen.has(id)) {
        card.el.remove()
        this.cards.delete(id)
      }
    }
    this.empty.hidden = this.cards.size > 0
    const active = downloads.filter(d => d.state === 'finding' || d.state === 'downloading').length
    setText(this.count, downloads.length === 0 ? '' : `${active} active · ${downloads.length} in all`)
  }

  /** Fetches the piece map of every card that shows one and is changing. One request at a time. */
  async refreshPieceMaps () {
    for (const card of this.cards.values()) {
      if (!card.wantsMap()) continue
      try {
        card.showMap(await this.api.call('GET', `/downloads/${card.info.id}/pieces`))
      } catch {}
    }
  }
}

class DownloadCard {
  constructor (info, view) {
    this.view = view
    this.info = info
    this.mapFinal = false
    this.name = h('span', { class: 'name' })
    this.badge = h('span', { class: 'badge' })
    this.size = h('span', { class: 'size' })
    this.percent = h('span', { class: 'percent' })
    this.rate = h('span', { class: 'rate down' })
    this.peers = h('span', { class: 'peers' })
    this.eta = h('span', { class: 'eta' })
    this.bar = h('div', { class: 'bar' })
    this.error = h('p', { class: 'error', hidden: true })
    this.pieceMap = new PieceMapView(view.colors)
    this.pause = iconButton('pause', 'Pause', () => this.act('pause'))
    this.resume = iconButton('play', 'Resume', () => this.act('resume'))
    this.stream = iconButton('open', 'Stream', () => window.open(view.api.contentUrl(this.info.cid), '_blank', 'noopener'))
    this.copy = iconButton('copy', 'Copy link', () => copy(this.info.link, view.toasts))
    this.remove = iconButton('trash', 'Remove', () => this.act('remove'), 'danger')
    this.el = h('article', { class: 'download', dataset: { cid: info.id } },
      h('div', { class: 'download-head' },
        h('div', { class: 'download-title' }, icon('download', 18), this.name),
        this.badge),
      h('div', { class: 'download-meta' }, this.size, this.percent, this.rate, this.peers, this.eta),
      h('div', { class: 'progress' }, this.bar),
      this.error,
      this.pieceMap.el,
      h('div', { class: 'download-actions' }, this.pause, this.resume, this.stream, this.copy, this.remove))
  }

  update (info) {
    const previous = this.info.state
    this.info = info
    const running = info.state === 'finding' || info.state === 'downloading'
    if (previous !== info.state) this.mapFinal = false
    this.el.dataset.state = info.state
    setText(this.name, info.name ?? shortId(info.cid))
    this.name.title = info.cid
    setText(this.badge, STATE_LABEL[info.state] ?? info.state)
    this.badge.className = `badge ${info.state}`
    setText(this.size, info.totalBytes > 0 ? `${formatBytes(info.verifiedBytes)} of ${formatBytes(info.totalBytes)}` : 'looking for the manifest…')
    setText(this.percent, info.totalBytes > 0 ? formatPercent(info.verifiedBytes, info.totalBytes) : '')
    setText(this.rate, running && info.totalBytes > 0 ? `↓ ${formatRate(info.bytesPerSecond)}` : '')
    setText(this.peers, running ? plural(info.peers, 'peer') : info.state === 'done' && info.result !== undefined ? `from ${plural(Object.keys(info.result.peers).length, 'peer')} in ${formatDuration(info.result.durationMs / 1000)}` : '')
    setText(this.eta, info.etaSeconds !== undefined ? `ETA ${formatDuration(info.etaSeconds)}` : '')
    this.bar.style.width = info.totalBytes > 0 ? `${Math.min(100, (info.verifiedBytes / info.totalBytes) * 100)}%` : '0%'
    this.error.hidden = info.error === undefined
    setText(this.error, info.error !== undefined ? `${info.error.message} (${info.error.code})` : '')
    this.pause.hidden = !running
    this.resume.hidden = running || info.state === 'done'
    this.stream.hidden = info.totalBytes === 0
    this.pieceMap.el.hidden = info.pieces === 0
  }

  wantsMap () {
    if (this.info.pieces === 0) return false
    if (this.info.state === 'downloading' || this.info.state === 'finding') return true
    return !this.mapFinal
  }

  showMap (map) {
    this.pieceMap.draw(map, this.info.state)
    if (this.info.state !== 'downloading' && this.info.state !== 'finding') this.mapFinal = true
  }

  async act (action) {
    const { api, toasts } = this.view
    const id = this.info.id
    try {
      if (action === 'remove') {
        await api.call('DELETE', `/downloads/${id}`)
        toasts.show(`Removed ${this.info.name ?? shortId(id)} from downloads`)
      } else {
        await api.call('POST', `/downloads/${id}/${action}`)
      }
    } catch (err) {
      toasts.show(err.message, 'error')
    }
  }
}

function plural (n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

export async function copy (text, toasts) {
  try {
    await navigator.clipboard.writeText(text)
    toasts.show('Link copied')
  } catch {
    window.prompt('Copy this link:', text)
  }
}
