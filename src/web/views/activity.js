import { h } from '../lib/dom.js'
import { clockTime, shortId } from '../lib/format.js'

/** Most records shown. */
const MAX_ROWS = 60
/** Fields worth showing next to a message, in this order. */
const SHOWN = ['name', 'cid', 'peerId', 'code', 'error', 'path']

/** The daemon's log (info and above) as a live feed, newest first. */
export class ActivityView {
  constructor (list) {
    this.list = list
  }

  reset (records) {
    this.list.replaceChildren()
    for (const record of records) this.add(record)
  }

  add (record) {
    const details = SHOWN.filter(k => record[k] !== undefined).slice(0, 2).map(k => {
      const value = String(record[k])
      return k === 'cid' || k === 'peerId' ? shortId(value) : value
    })
    const row = h('li', { class: `activity-row ${record.level}` },
      h('time', {}, clockTime(record.time)),
      h('span', { class: 'msg' }, record.msg),
      details.length > 0 ? h('span', { class: 'details' }, details.join(' · ')) : null)
    this.list.prepend(row)
    while (this.list.children.length > MAX_ROWS) this.list.lastElementChild?.remove()
  }
}
