/** Tiny DOM helpers: build elements without innerHTML (text is always text, never markup). */

/** `h('button', { class: 'x', onclick: fn }, 'Label')` */
export function h (tag, attrs = {}, ...children) {
  const el = document.createElement(tag)
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue
    if (key === 'class') el.className = value
    else if (key === 'dataset') Object.assign(el.dataset, value)
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value)
    else el.setAttribute(key, value === true ? '' : String(value))
  }
  append(el, children)
  return el
}

export function append (el, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue
    el.append(child instanceof Node ? child : String(child))
  }
}

/** Sets text only when it changed, so a redraw costs nothing when nothing moved. */
export function setText (el, text) {
  const value = String(text)
  if (el.textContent !== value) el.textContent = value
}

export function byId (id) {
  const el = document.getElementById(id)
  if (el === null) throw new Error(`no #${id}`)
  return el
}

const ICONS = {
  download: 'M12 3v12m0 0l-5-5m5 5l5-5M4 19h16',
  upload: 'M12 21V9m0 0l-5 5m5-5l5 5M4 5h16',
  pause: 'M8 5v14M16 5v14',
  play: 'M7 4l13 8-13 8z',
  trash: 'M4 7h16M9 7V4h6v3m-8 0l1 13h8l1-13',
  copy: 'M9 9h11v11H9zM5 15H4V4h11v1',
  open: 'M14 4h6v6m0-6L10 14M19 14v6H4V5h6',
  ban: 'M12 3a9 9 0 100 18 9 9 0 000-18zM5.6 5.6l12.8 12.8',
  file: 'M6 3h8l5 5v13H6zM14 3v5h5',
  folder: 'M3 6h6l2 2h10v11H3z',
  grid: 'M4 4h7v7H4zM13 4h7v7h-7zM4 13h7v7H4zM13 13h7v7h-7z'
}

/** A stroked 24×24 icon by name. */
export function icon (name, size = 16) {
  const ns = 'http://www.w3.org/2000/svg'
  const svg = document.createElementNS(ns, 'svg')
  svg.setAttribute('viewBox', '0 0 24 24')
  svg.setAttribute('width', String(size))
  svg.setAttribute('height', String(size))
  svg.setAttribute('aria-hidden', 'true')
  svg.classList.add('icon')
  const path = document.createElementNS(ns, 'path')
  path.setAttribute('d', ICONS[name] ?? '')
  svg.append(path)
  return svg
}

/** A button with an icon and a label; `title` defaults to the label. */
export function iconButton (name, label, onclick, extraClass = '') {
  return h('button', { type: 'button', class: `icon-button ${extraClass}`.trim(), title: label, onclick }, icon(name), h('span', {}, label))
}
