import { h } from '../lib/dom.js'

/** How long a notice stays on screen. */
const TOAST_MS = 4500

/** Short notices in a corner: what just happened, or what went wrong. */
export class Toasts {
  constructor (root) {
    this.root = root
  }

  show (text, kind = 'info') {
    const el = h('div', { class: `toast ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text)
    this.root.append(el)
    setTimeout(() => {
      el.classList.add('leaving')
      setTimeout(() => el.remove(), 300)
    }, TOAST_MS)
    return el
  }

  /** A notice whose text changes (an upload's progress); `done()` lets it go. */
  sticky (text) {
    const el = h('div', { class: 'toast info' }, text)
    this.root.append(el)
    return {
      update: next => { el.textContent = next },
      done: (next, kind = 'success') => {
        el.textContent = next
        el.className = `toast ${kind}`
        setTimeout(() => el.remove(), TOAST_MS)
      }
    }
  }
}
