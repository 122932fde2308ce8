import { formatRate } from '../lib/format.js'

/** Samples kept: one a second, two minutes. */
const SAMPLES = 120
/** A young daemon's short history is stretched over the chart, down to this many seconds. */
const MIN_WINDOW = 20
const DOWN = '#2dd4bf'
const UP = '#a78bfa'

/** An area chart of the node's download and upload rate, fed once a second by `stats` events. */
export class ThroughputChart {
  constructor (canvas, scaleLabel) {
    this.canvas = canvas
    this.scaleLabel = scaleLabel
    this.down = new Array(SAMPLES).fill(0)
    this.up = new Array(SAMPLES).fill(0)
    /** Real samples seen (the rest of the arrays is padding). */
    this.count = 0
    new ResizeObserver(() => this.draw()).observe(canvas)
  }

  /** Starts from the daemon's recent history (the `snapshot` event), oldest first. */
  reset (samples) {
    this.down = new Array(SAMPLES).fill(0)
    this.up = new Array(SAMPLES).fill(0)
    for (const s of samples.slice(-SAMPLES)) {
      this.down.push(s.downloadRate)
      this.up.push(s.uploadRate)
    }
    this.count = samples.length
    this.down.splice(0, this.down.length - SAMPLES)
    this.up.splice(0, this.up.length - SAMPLES)
    this.draw()
  }

  add (downRate, upRate) {
    this.count++
    this.down.push(downRate)
    this.up.push(upRate)
    this.down.splice(0, this.down.length - SAMPLES)
    this.up.splice(0, this.up.length - SAMPLES)
    this.draw()
  }

  draw () {
    const dpr = window.devicePixelRatio || 1
    const width = this.canvas.clientWidth
    const height = this.canvas.clientHeight
    if (width === 0 || height === 0) return
    this.canvas.width = Math.round(width * dpr)
    this.canvas.height = Math.round(height * dpr)
    const ctx = this.canvas.getContext('2d')
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0)
    ctx.clearRect(0, 0, width, height)
    const span = Math.min(SAMPLES, Math.max(MIN_WINDOW, this.count))
    const down = this.down.slice(-span)
    const up = this.up.slice(-span)
    const max = niceMax(Math.max(...down, ...up, 1024))
    this.scaleLabel.textContent = `scale ${formatRate(max)}`
    ctx.strokeStyle = 'rgba(148, 163, 184, 0.12)'
    ctx.lineWidth = 1
    for (let i = 1; i < 4; i++) {
      const y = Math.round((height * i) / 4) + 0.5
      ctx.beginPath()
      ctx.moveTo(0, y)
      ctx.lineTo(width, y)
      ctx.stroke()
    }
    this.series(ctx, up, UP, max, width, height)
    this.series(ctx, down, DOWN, max, width, height)
  }

  series (ctx, values, color, max, width, height) {
    const step = width / (values.length - 1)
    const y = v => height - 4 - (v / max) * (height - 10)
    ctx.beginPath()
    values.forEach((v, i) => {
      if (i === 0) ctx.moveTo(0, y(v))
      else {
        const px = (i - 0.5) * step
        ctx.bezierCurveTo(px, y(values[i - 1]), px, y(v), i * step, y(v))
      }
    })
    ctx.strokeStyle = color
    ctx.lineWidth = 2
    ctx.stroke()
    ctx.lineTo(width, height)
    ctx.lineTo(0, height)
    ctx.closePath()
    const fill = ctx.createLinearGradient(0, 0, 0, height)
    fill.addColorStop(0, color + '55')
    fill.addColorStop(1, color + '00')
    ctx.fillStyle = fill
    ctx.fill()
  }
}

/** A round scale in the units the labels use: 1, 2 or 5 × 10ⁿ of a power of 1024 (5 MiB/s, 200 KiB/s). */
function niceMax (value) {
  let unit = 1
  while (value >= unit * 1024) unit *= 1024
  const scaled = value / unit
  for (const m of [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000]) if (m >= scaled) return m * unit
  return value
}
