import { h, iconButton, setText } from '../lib/dom.js'
import { formatBytes, formatRate, shortAddr, shortId } from '../lib/format.js'
import { swatch } from './piece-map.js'

/** Connected peers with their rates both ways; ban; connect to an address. Rows are kept and updated in place. */
export class PeersView {
  constructor ({ root, empty, count, banned, api, colors, toasts }) {
    Object.assign(this, { root, empty, count, banned, api, colors, toasts })
    this.rows = new Map()
  }

  render (peers, banned) {
    const sorted = [...peers].sort((a, b) => b.downloaded + b.uploaded - (a.downloaded + a.uploaded) || a.peerId.localeCompare(b.peerId))
    const seen = new Set()
    sorted.forEach((peer, index) => {
      seen.add(peer.peerId)
      let row = this.rows.get(peer.peerId)
      if (row === undefined) {
        row = this.row(peer.peerId)
        this.rows.set(peer.peerId, row)
      }
      row.update(peer)
      if (this.root.children[index] !== row.el) this.root.insertBefore(row.el, this.root.children[index] ?? null)
    })
    for (const [id, row] of this.rows) {
      if (!seen.has(id)) {
        row.el.remove()
        this.rows.delete(id)
      }
    }
    this.empty.hidden = peers.length > 0
    setText(this.count, peers.length === 0 ? '' : `${peers.length} connected`)
    this.banned.hidden = banned.length === 0
    setText(this.banned, banned.length === 0 ? '' : `Banned: ${banned.map(shortId).join(', ')}`)
  }

  row (peerId) {
    const where = h('div', { class: 'muted small' })
    const down = h('div', { class: 'down' })
    const downTotal = h('div', { class: 'muted small' })
    const up = h('div', { class: 'up' })
    const upTotal = h('div', { class: 'muted small' })
    const el = h('tr', { dataset: { peer: peerId } },
      h('td', {},
        h('div', { class: 'peer-id', title: peerId }, swatch(this.colors.of(peerId)), h('span', { class: 'mono' }, shortId(peerId))),
        where),
      h('td', { class: 'num' }, down, downTotal),
      h('td', { class: 'num' }, up, upTotal),
      h('td', { class: 'actions' }, iconButton('ban', 'Ban', () => this.ban(peerId), 'danger compact')))
    return {
      el,
      update: peer => {
        setText(where, `${shortAddr(peer.addrs[0])} · ${peer.direction}`)
        where.title = peer.addrs.join('\n')
        setText(down, formatRate(peer.downloadRate))
        setText(downTotal, formatBytes(peer.downloaded))
        setText(up, formatRate(peer.uploadRate))
        setText(upTotal, formatBytes(peer.uploaded))
      }
    }
  }

  async ban (peerId) {
    try {
      await this.api.call('POST', `/peers/${peerId}/ban`)
      this.toasts.show(`Banned ${shortId(peerId)}`)
    } catch (err) {
      this.toasts.show(err.message, 'error')
    }
  }

  async connect (addr) {
    try {
      const { peerId } = await this.api.call('POST', '/peers', { addr })
      this.toasts.show(`Connected to ${shortId(peerId)}`, 'success')
      return true
    } catch (err) {
      this.toasts.show(err.message, 'error')
      return false
    }
  }
}
