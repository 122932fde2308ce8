import { byId, setText } from '../lib/dom.js'
import { formatBytes, formatRate, shortId } from '../lib/format.js'

/** The top bar and the stat cards: node ID, live rates, peers, downloads, seeding, traffic. */
export class StatsView {
  constructor () {
    this.nodeId = byId('node-id')
    this.rateDown = byId('rate-down')
    this.rateUp = byId('rate-up')
    this.peers = byId('stat-peers')
    this.dht = byId('stat-dht')
    this.reach = byId('stat-reach')
    this.downloading = byId('stat-downloading')
    this.paused = byId('stat-paused')
    this.seeding = byId('stat-seeding')
    this.shares = byId('stat-shares')
    this.downTotal = byId('stat-down-total')
    this.upTotal = byId('stat-up-total')
    this.footer = byId('footer')
    this.peerId = ''
  }

  status (s) {
    this.peerId = s.peerId
    setText(this.nodeId, `peer ${shortId(s.peerId)}`)
    this.nodeId.title = `${s.peerId}\n${s.addrs.join('\n')}\n(click to copy)`
    setText(this.rateDown, formatRate(s.downloadRate))
    setText(this.rateUp, formatRate(s.uploadRate))
    setText(this.peers, s.peers)
    setText(this.dht, `${s.dhtPeers} in DHT · ${s.banned} banned`)
    const relays = s.relays ?? []
    setText(this.reach, `reachability: ${s.reachability ?? 'unknown'}${relays.length > 0 ? ` · via ${relays.length} relay${relays.length === 1 ? '' : 's'}` : ''}`)
    this.reach.title = relays.length > 0 ? `relays:\n${relays.join('\n')}` : 'Whether peers outside can dial this node'
    setText(this.downloading, (s.downloads.finding ?? 0) + (s.downloads.downloading ?? 0))
    setText(this.paused, `${s.downloads.paused ?? 0} paused · ${s.downloads.done ?? 0} done`)
    setText(this.downTotal, `↓ ${formatBytes(s.downloadedBytes)}`)
    setText(this.upTotal, `↑ ${formatBytes(s.uploadedBytes)}`)
    setText(this.footer, `Shoal ${s.version} · data ${s.dataDir} · downloads go to ${s.downloadsDir}`)
  }

  library (items) {
    setText(this.seeding, items.filter(i => i.serving && i.complete).length)
    setText(this.shares, `${items.filter(i => i.role === 'share').length} shared by you`)
  }
}
