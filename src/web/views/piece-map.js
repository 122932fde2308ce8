import { EARLIER_COLOR, MISSING_COLOR, RARE_COLOR, mix } from '../lib/colors.js'
import { h, setText } from '../lib/dom.js'
import { formatBytes, shortId } from '../lib/format.js'

/** Tallest the grid gets (CSS pixels); with more pieces, cells get smaller, then hold several pieces. */
const MAX_HEIGHT = 168
const MIN_CELL = 3
const MAX_CELL = 14
const AVAILABILITY_HEIGHT = 10
const SOURCE_OTHER = 254
const SOURCE_EARLIER = 255
const AVAILABLE_LOW = '#173152'
const AVAILABLE_HIGH = '#38bdf8'
const NOBODY = '#f87171'

export function decodeBase64 (text) {
  const binary = atob(text ?? '')
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

/**
 * One download's pieces: a grid with a cell per piece coloured by the peer that gave it (grey:
 * verified before this session; dark: missing, red-tinged when no connected peer has it), a strip
 * of how many connected peers have each piece, and a legend of who gave how much.
 */
export class PieceMapView {
  constructor (colors) {
    this.colors = colors
    this.grid = h('canvas', { class: 'piece-grid', role: 'img', 'aria-label': 'Piece map' })
    this.strip = h('canvas', { class: 'availability-strip', role: 'img', 'aria-label': 'Availability of each piece' })
    this.caption = h('span', { class: 'availability-caption' })
    this.legend = h('div', { class: 'legend' })
    this.el = h('div', { class: 'piece-map' },
      this.grid,
      h('div', { class: 'availability' }, h('span', { class: 'availability-title' }, 'Availability'), this.strip, this.caption),
      this.legend)
    this.map = undefined
    new ResizeObserver(() => this.redraw()).observe(this.el)
  }

  /** `state`: the download's; availability is only measured while it runs. */
  draw (map, state = 'downloading') {
    this.map = map
    this.state = state
    this.decoded = {
      have: decodeBase64(map.have),
      sources: decodeBase64(map.sources),
      availability: decodeBase64(map.availability)
    }
    this.redraw()
  }

  redraw () {
    if (this.map === undefined) return
    const { pieces, peers } = this.map
    const { have, sources, availability } = this.decoded
    const has = i => ((have[i >> 3] >> (7 - (i & 7))) & 1) === 1
    let maxAvail = 0
    for (let i = 0; i < pieces; i++) maxAvail = Math.max(maxAvail, availability[i] ?? 0)
    const colorOf = i => {
      const source = sources[i] ?? 0
      if (source === SOURCE_EARLIER || (source === 0 && has(i))) return EARLIER_COLOR
      if (source === SOURCE_OTHER) return '#94a3b8'
      if (source > 0) return this.colors.of(peers[source - 1]?.peerId ?? '')
      const a = availability[i] ?? 0
      if (maxAvail === 0) return MISSING_COLOR
      return a === 0 ? RARE_COLOR : mix(MISSING_COLOR, '#2a3d66', a / maxAvail)
    }
    const done = this.drawGrid(pieces, colorOf, has)
    this.drawStrip(pieces, availability, maxAvail)
    const minAvail = minMissingAvailability(pieces, has, availability)
    const running = this.state === 'downloading' || this.state === 'finding'
    const range = minAvail === maxAvail ? `${maxAvail}` : `${minAvail}–${maxAvail}`
    setText(this.caption, !running ? (done === pieces ? 'all pieces here' : 'measured while running') : maxAvail === 0 ? 'no peer connected' : `${range} peer${maxAvail === 1 ? '' : 's'} per piece`)
    this.drawLegend(peers, sources, pieces)
    this.el.dataset.pieces = String(pieces)
    this.el.dataset.done = String(done)
    this.el.dataset.sources = String(peers.filter(p => p.pieces > 0).length)
  }

  drawGrid (pieces, colorOf, has) {
    const width = this.el.clientWidth
    if (width === 0) return 0
    const cellsMax = Math.floor(width / MIN_CELL) * Math.floor(MAX_HEIGHT / MIN_CELL)
    const perCell = Math.max(1, Math.ceil(pieces / cellsMax))
    const cells = Math.ceil(pieces / perCell)
    const cell = Math.max(MIN_CELL, Math.min(MAX_CELL, Math.floor(Math.sqrt((width * MAX_HEIGHT) / Math.max(cells, 1)))))
    const cols = Math.max(1, Math.floor(width / cell))
    const rows = Math.ceil(cells / cols)
    const height = Math.max(cell, rows * cell)
    const ctx = sized(this.grid, cols * cell, height)
    const gap = cell >= 6 ? 1.5 : cell >= 4 ? 1 : 0
    let done = 0
    for (let i = 0; i < pieces; i++) if (has(i)) done++
    for (let c = 0; c < cells; c++) {
      const first = c * perCell
      const last = Math.min(pieces, first + perCell)
      let shown = first
      let present = 0
      for (let i = first; i < last; i++) {
        if (has(i)) {
          if (present === 0) shown = i
          present++
        }
      }
      ctx.globalAlpha = present === 0 || present === last - first ? 1 : 0.55
      ctx.fillStyle = colorOf(shown)
      const x = (c % cols) * cell
      const y = Math.floor(c / cols) * cell
      if (cell >= 8) {
        ctx.beginPath()
        ctx.roundRect(x, y, cell - gap, cell - gap, 2)
        ctx.fill()
      } else {
        ctx.fillRect(x, y, cell - gap, cell - gap)
      }
    }
    ctx.globalAlpha = 1
    return done
  }

  drawStrip (pieces, availability, maxAvail) {
    const width = this.el.clientWidth
    if (width === 0 || pieces === 0) return
    const ctx = sized(this.strip, width, AVAILABILITY_HEIGHT, false)
    for (let x = 0; x < width; x++) {
      const first = Math.floor((x / width) * pieces)
      const last = Math.max(first + 1, Math.floor(((x + 1) / width) * pieces))
      let min = Infinity
      for (let i = first; i < last && i < pieces; i++) min = Math.min(min, availability[i] ?? 0)
      if (min === Infinity) continue
      ctx.fillStyle = maxAvail === 0 ? MISSING_COLOR : min === 0 ? NOBODY : mix(AVAILABLE_LOW, AVAILABLE_HIGH, min / maxAvail)
      ctx.fillRect(x, 0, 1, AVAILABILITY_HEIGHT)
    }
  }

  drawLegend (peers, sources, pieces) {
    let earlier = 0
    for (let i = 0; i < pieces; i++) if (sources[i] === SOURCE_EARLIER) earlier++
    const items = peers
      .filter(p => p.pieces > 0)
      .sort((a, b) => b.bytes - a.bytes)
      .map(p => h('span', { class: 'legend-item', title: p.peerId },
        swatch(this.colors.of(p.peerId)),
        h('span', { class: 'mono' }, shortId(p.peerId)),
        h('span', { class: 'muted' }, `${formatBytes(p.bytes)} · ${p.pieces} pieces`)))
    if (earlier > 0) items.push(h('span', { class: 'legend-item' }, swatch(EARLIER_COLOR), h('span', { class: 'muted' }, `${earlier} pieces from an earlier session`)))
    items.push(h('span', { class: 'legend-item' }, swatch(MISSING_COLOR), h('span', { class: 'muted' }, 'missing')))
    this.legend.replaceChildren(...items)
  }
}

/** A colour key (set through CSSOM: the page's CSP allows no inline style attributes). */
export function swatch (color) {
  const el = h('i', { class: 'swatch' })
  el.style.background = color
  return el
}

function minMissingAvailability (pieces, has, availability) {
  let min = Infinity
  for (let i = 0; i < pieces; i++) if (!has(i)) min = Math.min(min, availability[i] ?? 0)
  if (min === Infinity) for (let i = 0; i < pieces; i++) min = Math.min(min, availability[i] ?? 0)
  return min === Infinity ? 0 : min
}

/** Sizes a canvas for the screen's pixel ratio; returns its context in CSS pixels. */
function sized (canvas, width, height, fixWidth = true) {
  const dpr = window.devicePixelRatio || 1
  if (fixWidth) canvas.style.width = `${width}px`
  canvas.style.height = `${height}px`
  canvas.width = Math.round(width * dpr)
  canvas.height = Math.round(height * dpr)
  const ctx = canvas.getContext('2d')
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0)
  ctx.clearRect(0, 0, width, height)
  return ctx
}
