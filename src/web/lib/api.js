/** The daemon's HTTP API, with the token on every call. */

export class ApiError extends Error {
  constructor (status, code, message) {
    super(message)
    this.status = status
    this.code = code
  }
}

export class Api {
  constructor (token) {
    this.token = token
  }

  async call (method, path, body) {
    const response = await fetch(`/api/v1${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${this.token}`,
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {})
      },
      body: body !== undefined ? JSON.stringify(body) : undefined
    })
    const text = await response.text()
    if (!response.ok) {
      let error = {}
      try { error = JSON.parse(text).error ?? {} } catch {}
      throw new ApiError(response.status, error.code ?? 'INTERNAL', error.message ?? `the daemon answered ${response.status}`)
    }
    return text === '' ? undefined : JSON.parse(text)
  }

  /** Sends a file to the daemon, which stores and shares it. `onProgress(sent, total)`. */
  upload (file, onProgress) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest()
      xhr.open('POST', `/api/v1/shares/upload?name=${encodeURIComponent(file.name)}`)
      xhr.setRequestHeader('Authorization', `Bearer ${this.token}`)
      xhr.setRequestHeader('Content-Type', 'application/octet-stream')
      xhr.upload.onprogress = e => onProgress?.(e.loaded, e.total)
      xhr.onload = () => {
        let body = {}
        try { body = JSON.parse(xhr.responseText) } catch {}
        if (xhr.status >= 200 && xhr.status < 300) resolve(body)
        else reject(new ApiError(xhr.status, body.error?.code ?? 'INTERNAL', body.error?.message ?? `upload failed (${xhr.status})`))
      }
      xhr.onerror = () => reject(new ApiError(0, 'NO_DAEMON', 'the daemon could not be reached'))
      xhr.send(file)
    })
  }

  eventsUrl () {
    return `/api/v1/events?token=${encodeURIComponent(this.token)}`
  }

  /** Where the gateway serves a content (a file, or a folder's file at `path`). */
  contentUrl (cid, path = '') {
    const tail = path === '' ? '' : '/' + path.split('/').map(encodeURIComponent).join('/')
    return `/content/${cid}${tail}?token=${encodeURIComponent(this.token)}`
  }
}

/** The token from `#token=…` (then removed from the address bar), else from this tab's storage. */
export function takeToken () {
  const match = /(?:^#|&)token=([0-9a-f]+)/i.exec(location.hash)
  if (match !== null) {
    sessionStorage.setItem('shoal-token', match[1])
    history.replaceState(null, '', location.pathname + location.search)
    return match[1]
  }
  return sessionStorage.getItem('shoal-token') ?? undefined
}
