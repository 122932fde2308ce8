import { byId } from '../lib/dom.js'
import { formatBytes, shortId } from '../lib/format.js'

/** Start a download by link, share a path, or share files by dropping them on the page or choosing them. */
export function setupAddBar ({ api, toasts }) {
  const linkForm = byId('add-link')
  const linkInput = byId('link-input')
  linkForm.addEventListener('submit', async event => {
    event.preventDefault()
    const link = linkInput.value.trim()
    if (link === '') return
    try {
      const info = await api.call('POST', '/downloads', { link })
      linkInput.value = ''
      toasts.show(`Downloading ${info.name ?? shortId(info.cid)}`, 'success')
    } catch (err) {
      toasts.show(err.message, 'error')
    }
  })

  const pathForm = byId('add-path')
  const pathInput = byId('path-input')
  pathForm.addEventListener('submit', async event => {
    event.preventDefault()
    const path = pathInput.value.trim()
    if (path === '') return
    const notice = toasts.sticky(`Hashing ${path}…`)
    try {
      const share = await api.call('POST', '/shares', { path })
      pathInput.value = ''
      notice.done(`Sharing ${share.name} (${formatBytes(share.bytes)})`)
    } catch (err) {
      notice.done(err.message, 'error')
    }
  })

  const fileInput = byId('file-input')
  byId('choose-files').addEventListener('click', () => fileInput.click())
  fileInput.addEventListener('change', () => {
    void uploadAll([...fileInput.files], api, toasts)
    fileInput.value = ''
  })

  const overlay = byId('drop-overlay')
  let depth = 0
  const hasFiles = event => [...(event.dataTransfer?.types ?? [])].includes('Files')
  window.addEventListener('dragenter', event => {
    if (!hasFiles(event)) return
    depth++
    overlay.hidden = false
  })
  window.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1)
    if (depth === 0) overlay.hidden = true
  })
  window.addEventListener('dragover', event => {
    if (hasFiles(event)) event.preventDefault()
  })
  window.addEventListener('drop', event => {
    event.preventDefault()
    depth = 0
    overlay.hidden = true
    const files = [...(event.dataTransfer?.files ?? [])]
    if (files.length > 0) void uploadAll(files, api, toasts)
  })
}

async function uploadAll (files, api, toasts) {
  for (const file of files) {
    const notice = toasts.sticky(`Uploading ${file.name}…`)
    try {
      const share = await api.upload(file, (sent, total) => notice.update(`Uploading ${file.name}: ${formatBytes(sent)} of ${formatBytes(total)}`))
      notice.done(`Sharing ${share.name} (${formatBytes(share.bytes)})`)
    } catch (err) {
      notice.done(`${file.name}: ${err.message}`, 'error')
    }
  }
}
