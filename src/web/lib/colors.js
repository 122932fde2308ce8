/**
 * One colour per peer for the whole page, in order of first appearance, so a peer is the same
 * colour in every piece map, legend and in the peers table.
 */
export const PALETTE = [
  '#2dd4bf', '#818cf8', '#f472b6', '#fbbf24', '#34d399', '#60a5fa',
  '#fb923c', '#c084fc', '#a3e635', '#f87171', '#22d3ee', '#e879f9'
]
export const EARLIER_COLOR = '#52607a'
export const MISSING_COLOR = '#1a2540'
export const RARE_COLOR = '#4a1d2e'

export class PeerColors {
  constructor () {
    this.assigned = new Map()
  }

  of (peerId) {
    let index = this.assigned.get(peerId)
    if (index === undefined) {
      index = this.assigned.size
      this.assigned.set(peerId, index)
    }
    return PALETTE[index % PALETTE.length]
  }
}

/** `#rrggbb` blended towards `#rrggbb` by t in [0, 1]. */
export function mix (from, to, t) {
  const a = parseInt(from.slice(1), 16)
  const b = parseInt(to.slice(1), 16)
  const channel = shift => Math.round(((a >> shift) & 255) * (1 - t) + ((b >> shift) & 255) * t)
  return `rgb(${channel(16)}, ${channel(8)}, ${channel(0)})`
}
