import { h, icon, iconButton, setText } from '../lib/dom.js'
import { formatBytes, formatPercent, shortId } from '../lib/format.js'
import { copy } from './downloads.js'

/** Shares and downloaded content: what this node serves. */
export class LibraryView {
  constructor ({ root, empty, count, api, toasts }) {
    Object.assign(this, { root, empty, count, api, toasts })
  }

  render (items) {
    const sorted = [...items].sort((a, b) => b.addedAt - a.addedAt)
    this.root.replaceChildren(...sorted.map(item => this.row(item)))
    this.empty.hidden = items.length > 0
    const shared = items.filter(i => i.role === 'share').length
    setText(this.count, items.length === 0 ? '' : `${shared} shared · ${items.length - shared} downloaded`)
  }

  row (item) {
    const status = item.role === 'share'
      ? h('span', { class: 'badge shared' }, 'Shared')
      : item.complete ? h('span', { class: 'badge done' }, 'Downloaded') : h('span', { class: 'badge paused' }, `Partial ${formatPercent(item.piecesDone, item.pieces)}`)
    const open = h('a', { class: 'icon-button', href: this.api.contentUrl(item.cid), target: '_blank', rel: 'noopener', title: 'Open in the browser (streams while downloading)' }, icon('open'), h('span', {}, 'Open'))
    return h('tr', { dataset: { cid: item.cid } },
      h('td', {},
        h('div', { class: 'lib-name' }, icon(item.kind === 'dir' ? 'folder' : 'file', 16), h('span', { class: 'name', title: item.cid }, item.name)),
        h('div', { class: 'lib-path muted', title: item.path }, `${item.kind === 'dir' ? `${item.files} file${item.files === 1 ? '' : 's'} · ` : ''}${item.path}`)),
      h('td', { class: 'num' }, formatBytes(item.bytes)),
      h('td', {}, status, item.serving ? null : h('span', { class: 'badge failed', title: 'Its files are gone' }, 'Missing')),
      h('td', { class: 'actions' }, open,
        iconButton('copy', 'Copy link', () => copy(item.link, this.toasts)),
        iconButton('trash', 'Stop sharing', () => this.remove(item), 'danger')))
  }

  async remove (item) {
    try {
      await this.api.call('DELETE', `/shares/${item.cid}`)
      this.toasts.show(`Stopped sharing ${item.name} (${shortId(item.cid)}); its files are untouched`)
    } catch (err) {
      this.toasts.show(err.message, 'error')
    }
  }
}
