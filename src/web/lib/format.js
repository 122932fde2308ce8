/** Sizes, rates, durations and IDs for people. */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB']

export function formatBytes (bytes) {
  let value = Number(bytes) || 0
  let unit = 0
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024
    unit++
  }
  const digits = unit === 0 ? 0 : value < 10 ? 2 : value < 100 ? 1 : 0
  return `${value.toFixed(digits).replace(/\.0+$/, '')} ${UNITS[unit]}`
}

export function formatRate (bytesPerSecond) {
  return `${formatBytes(bytesPerSecond)}/s`
}

/** `0:42`, `12:05`, `3:04:09` */
export function formatDuration (seconds) {
  const s = Math.max(0, Math.round(seconds))
  const m = Math.floor(s / 60)
  const hours = Math.floor(m / 60)
  if (hours > 0) return `${hours}:${String(m % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`
  return `${m}:${String(s % 60).padStart(2, '0')}`
}

export function formatPercent (done, total) {
  if (!(total > 0)) return '0%'
  const p = (done / total) * 100
  return `${p >= 99.95 && done < total ? '99.9' : p.toFixed(p < 10 ? 1 : 0)}%`
}

/** `12D3…yujB`: enough to tell peers apart at a glance. */
export function shortId (id) {
  const text = String(id ?? '')
  return text.length > 14 ? `${text.slice(0, 6)}…${text.slice(-6)}` : text
}

/** The address part of a multiaddr people recognise: `127.0.0.1:4001`. */
export function shortAddr (addr) {
  const m = /^\/ip[46]\/([^/]+)\/(?:tcp|udp)\/(\d+)/.exec(String(addr ?? ''))
  return m === null ? String(addr ?? '') : `${m[1]}:${m[2]}`
}

export function clockTime (iso) {
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? '' : d.toTimeString().slice(0, 8)
}
