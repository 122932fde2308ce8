import { Api, takeToken } from './lib/api.js'
import { PeerColors } from './lib/colors.js'
import { byId } from './lib/dom.js'
import { ActivityView } from './views/activity.js'
import { setupAddBar } from './views/add-bar.js'
import { DownloadsView } from './views/downloads.js'
import { LibraryView } from './views/library.js'
import { PeersView } from './views/peers.js'
import { StatsView } from './views/stats.js'
import { StorageView } from './views/storage.js'
import { ComputeView } from './views/compute.js'
import { ThroughputChart } from './views/throughput.js'
import { Toasts } from './views/toasts.js'

/** Piece maps of running downloads are fetched this often. */
const PIECE_MAP_INTERVAL_MS = 1000

/**
 * The dashboard: everything arrives on the daemon's event stream (a snapshot, then changes);
 * piece maps are fetched for the downloads on screen. Actions go through the JSON API.
 */
async function main () {
  const token = takeToken()
  if (token === undefined) return lock()
  const api = new Api(token)
  try {
    await api.call('GET', '/node')
  } catch (err) {
    if (err.status === 401) {
      sessionStorage.removeItem('shoal-token')
      return lock()
    }
  }
  const toasts = new Toasts(byId('toasts'))
  const colors = new PeerColors()
  const stats = new StatsView()
  const chart = new ThroughputChart(byId('throughput'), byId('chart-scale'))
  const downloads = new DownloadsView({ root: byId('downloads'), empty: byId('downloads-empty'), count: byId('downloads-count'), api, colors, toasts })
  const library = new LibraryView({ root: byId('library'), empty: byId('library-empty'), count: byId('library-count'), api, toasts })
  const peers = new PeersView({ root: byId('peers'), empty: byId('peers-empty'), count: byId('peers-count'), banned: byId('banned'), api, colors, toasts })
  const activity = new ActivityView(byId('activity'))
  new StorageView({ root: byId('storage'), empty: byId('storage-empty'), count: byId('storage-count'), api }).start()
  new ComputeView({ root: byId('compute'), empty: byId('compute-empty'), count: byId('compute-count'), api }).start()
  setupAddBar({ api, toasts })
  byId('node-id').addEventListener('click', () => navigator.clipboard?.writeText(stats.peerId).then(() => toasts.show('Peer ID copied'), () => {}))
  byId('connect-form').addEventListener('submit', async event => {
    event.preventDefault()
    const input = byId('connect-input')
    if (input.value.trim() !== '' && await peers.connect(input.value.trim())) input.value = ''
  })

  const state = { downloads: new Map() }
  const showDownloads = () => downloads.render([...state.downloads.values()].sort((a, b) => a.addedAt - b.addedAt))
  const live = byId('live')
  const setLive = (mode, label) => {
    live.dataset.state = mode
    live.querySelector('.label').textContent = label
  }

  const source = new EventSource(api.eventsUrl())
  source.addEventListener('open', () => setLive('live', 'live'))
  source.addEventListener('error', () => setLive('reconnecting', 'reconnecting…'))
  const on = (name, handle) => source.addEventListener(name, event => handle(JSON.parse(event.data)))
  on('snapshot', snap => {
    state.downloads = new Map(snap.downloads.map(d => [d.id, d]))
    stats.status(snap.status)
    showDownloads()
    library.render(snap.library)
    stats.library(snap.library)
    peers.render(snap.peers, snap.banned)
    activity.reset(snap.activity)
    chart.reset(snap.history ?? [])
    setLive('live', 'live')
  })
  on('stats', s => {
    stats.status(s)
    chart.add(s.downloadRate, s.uploadRate)
  })
  on('downloads', ({ downloads: changed }) => {
    for (const d of changed) state.downloads.set(d.id, d)
    showDownloads()
  })
  on('download-removed', ({ id }) => {
    state.downloads.delete(id)
    showDownloads()
  })
  on('library', ({ items }) => {
    library.render(items)
    stats.library(items)
  })
  on('peers', ({ peers: list, banned }) => peers.render(list, banned))
  on('log', record => activity.add(record))

  const refreshMaps = async () => {
    await downloads.refreshPieceMaps()
    setTimeout(refreshMaps, PIECE_MAP_INTERVAL_MS)
  }
  void refreshMaps()
}

function lock () {
  byId('locked').hidden = false
  byId('token-form').addEventListener('submit', event => {
    event.preventDefault()
    const token = byId('token-input').value.trim()
    if (token === '') return
    location.hash = `token=${token}`
    location.reload()
  })
}

void main()
