/// <reference lib="dom" />
/**
 * The page at `/get#shoal://…`: reads the link from the fragment (which never reaches the server),
 * downloads with PagePeer, and shows what happens: peers, the verified manifest and its signer,
 * progress with rate and ETA, a piece map coloured by source, and Save and Delete buttons.
 */
import { parseLink } from '../content/link.js'
import type { Manifest } from '../content/manifest.js'
import { refuseSecretWithoutKey, requireSecret } from '../content/secret.js'
import type { DownloadProgress, PieceEvent } from '../swarm/requester/download.js'
import { PAGE_REDRAW_MS } from './constants.js'
import { openSecretContent, storedContent } from './page-content.js'
import { PagePeer } from './page-peer.js'
import { PageSave } from './page-save.js'
import type { PageStorage } from './page-storage.js'

const PALETTE = ['#2f80ed', '#27ae60', '#f2994a', '#9b51e0', '#eb5757', '#56ccf2', '#6fcf97', '#bb6bd9']
const MAP_COLUMNS = 64
/** Seconds over which a peer's rate is averaged in the peer list. */
const RATE_WINDOW_S = 2

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T

function formatBytes (n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let i = 0
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++ }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i] as string}`
}

/** How a connection runs, for the peer list. */
function transportOf (addr: string): string {
  if (addr.includes('/webrtc')) return 'WebRTC'
  if (addr.includes('/p2p-circuit')) return 'a relay'
  return addr.includes('/tls/') || addr.includes('/wss') ? 'wss' : 'ws'
}

class PieceMap {
  private readonly colours = new Map<string, string>()
  private pieces = 0
  constructor (private readonly canvas: HTMLCanvasElement) {}

  reset (pieces: number): void {
    this.pieces = pieces
    const rows = Math.max(1, Math.ceil(pieces / MAP_COLUMNS))
    this.canvas.width = MAP_COLUMNS * 8
    this.canvas.height = rows * 8
    const g = this.canvas.getContext('2d')
    if (g === null) return
    g.fillStyle = '#e0e0e0'
    g.fillRect(0, 0, this.canvas.width, this.canvas.height)
  }

  mark (event: PieceEvent): void {
    const g = this.canvas.getContext('2d')
    if (g === null || event.piece >= this.pieces) return
    g.fillStyle = event.valid ? this.colourOf(event.peerId) : '#000'
    g.fillRect((event.piece % MAP_COLUMNS) * 8, Math.floor(event.piece / MAP_COLUMNS) * 8, 7, 7)
  }

  colourOf (peerId: string): string {
    let colour = this.colours.get(peerId)
    if (colour === undefined) {
      colour = PALETTE[this.colours.size % PALETTE.length] as string
      this.colours.set(peerId, colour)
    }
    return colour
  }
}

/** Each peer's receive rate, smoothed over the redraws (an exponential average of ~2 s). */
class PeerRates {
  private readonly last = new Map<string, number>()
  private readonly rates = new Map<string, number>()
  private at = performance.now()

  sample (received: Map<string, number>): void {
    const now = performance.now()
    const seconds = (now - this.at) / 1000
    if (seconds <= 0) return
    this.at = now
    const weight = Math.min(1, seconds / RATE_WINDOW_S)
    for (const [id, bytes] of received) {
      const instant = (bytes - (this.last.get(id) ?? 0)) / seconds
      this.rates.set(id, (this.rates.get(id) ?? instant) * (1 - weight) + instant * weight)
      this.last.set(id, bytes)
    }
  }

  of (id: string): number {
    return this.rates.get(id) ?? 0
  }
}

async function main (): Promise<void> {
  const status = $<HTMLElement>('status')
  const show = (phase: string, text: string): void => {
    status.textContent = text
    document.body.dataset.phase = phase
  }
  const fragment = decodeURIComponent(location.hash.slice(1))
  if (fragment === '') {
    show('idle', 'Open this page with a Shoal link after the #: …/get#shoal://…')
    return
  }
  let link
  try {
    link = parseLink(fragment)
  } catch (err: any) {
    show('error', `Not a Shoal link: ${String(err?.message ?? err)}`)
    return
  }
  show('connecting', 'Connecting…')
  const map = new PieceMap($<HTMLCanvasElement>('map'))
  const received = new Map<string, number>()
  let latest: DownloadProgress | undefined
  const peer = await PagePeer.start()
  const peersList = $<HTMLElement>('peers')
  const rates = new PeerRates()
  const drawPeers = (): void => {
    const connections = peer.libp2p.getConnections()
    rates.sample(received)
    peersList.replaceChildren(...connections.map(c => {
      const id = c.remotePeer.toString()
      const row = document.createElement('li')
      row.style.color = map.colourOf(id)
      row.textContent = `${id.slice(0, 12)}… over ${transportOf(c.remoteAddr.toString())}: ${formatBytes(received.get(id) ?? 0)} received, ${formatBytes(rates.of(id))}/s${peer.scores.isBanned(id) ? ' (banned)' : ''}`
      return row
    }))
    $<HTMLElement>('uploaded').textContent = formatBytes(peer.uploaded)
    document.body.dataset.uploaded = String(peer.uploaded)
    const reachable = peer.libp2p.getMultiaddrs().map(a => a.toString()).filter(a => a.includes('/webrtc'))
    document.body.dataset.addrs = JSON.stringify(reachable)
    const banned = peer.scores.banned()
    $<HTMLElement>('banned-line').hidden = banned.length === 0
    $<HTMLElement>('banned').textContent = banned.join(', ')
    if (latest?.phase !== 'downloading') return
    document.body.dataset.verified = String(latest.verifiedBytes)
    const rate = latest.bytesPerSecond
    const eta = rate > 0 ? Math.ceil((latest.totalBytes - latest.verifiedBytes) / rate) : undefined
    $<HTMLProgressElement>('progress').value = latest.totalBytes > 0 ? latest.verifiedBytes / latest.totalBytes : 0
    show('downloading', `${formatBytes(latest.verifiedBytes)} of ${formatBytes(latest.totalBytes)} verified, ${formatBytes(rate)}/s${eta !== undefined ? `, about ${eta} s left` : ''}`)
  }
  const key = link.key
  const saver = new PageSave({ button: $<HTMLButtonElement>('save'), list: $<HTMLElement>('files'), say: text => { $<HTMLElement>('saved').textContent = text } })
  let outer: Manifest | undefined
  let timer = setInterval(drawPeers, PAGE_REDRAW_MS)
  try {
    const { result, storage } = await peer.get(link, {
      onManifest: (manifest, publisher) => {
        // A secret content's sealed copy is downloaded like any other, then opened here with the key.
        if (key !== undefined) requireSecret(manifest)
        else refuseSecretWithoutKey(manifest)
        outer = manifest
        $<HTMLElement>('signer').textContent = `signed by ${publisher}`
        $<HTMLElement>('name').textContent = key !== undefined ? 'A secret content' : manifest.name
        if (key === undefined && manifest.kind === 'file') saver.early(manifest.name)
        const pieces = manifest.files.reduce((n, f) => n + Math.ceil(f.size / manifest.pieceSize), 0)
        map.reset(pieces)
        show('downloading', `Manifest verified: ${key !== undefined ? 'a secret content' : manifest.name}, ${formatBytes(manifest.files.reduce((n, f) => n + f.size, 0))}`)
      },
      onPiece: event => {
        map.mark(event)
        if (event.valid) received.set(event.peerId, (received.get(event.peerId) ?? 0) + event.bytes)
      },
      onProgress: progress => { latest = progress }
    })
    clearInterval(timer)
    // Keep sharing: the page serves what it has to whoever is connected, while it stays open.
    timer = setInterval(drawPeers, PAGE_REDRAW_MS)
    drawPeers()
    $<HTMLProgressElement>('progress').value = 1
    document.body.dataset.received = String(result.received)
    document.body.dataset.sources = JSON.stringify(result.peers)
    document.body.dataset.peerId = peer.peerId
    if (key !== undefined) show('opening', 'Every piece verified: opening it with the link\'s key…')
    const content = key !== undefined ? await openSecretContent(storage, outer as Manifest, key) : storedContent(storage, outer as Manifest, result.publisher)
    $<HTMLElement>('name').textContent = content.name
    $<HTMLElement>('signer').textContent = `signed by ${content.publisher}`
    const bytes = content.files.reduce((n, f) => n + f.size, 0)
    const how = key !== undefined ? 'every piece verified, opened with the link\'s key (each file is checked again as it is saved)' : 'every piece verified'
    show('done', `Done: ${content.name}, ${formatBytes(bytes)}, ${how} (${formatBytes(result.received)} fetched, the rest was stored here already).`)
    offerDelete(peer, storage, link.cid.toString(), saver)
    await saver.ready(content)
  } catch (err: any) {
    clearInterval(timer)
    show('error', `Failed: ${String(err?.message ?? err)}`)
  }
}

/** Delete clears what the page stored (and stops serving it). */
function offerDelete (peer: PagePeer, storage: PageStorage, cid: string, saver: PageSave): void {
  const remove = $<HTMLButtonElement>('delete')
  remove.disabled = false
  remove.onclick = async () => {
    await peer.remove(cid, storage)
    saver.disable()
    remove.disabled = true
    $<HTMLElement>('status').textContent = `Deleted what this page stored for ${cid}.`
  }
}

void main()
