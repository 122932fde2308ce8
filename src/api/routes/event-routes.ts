import type { ServerResponse } from 'node:http'
import { TooManySubscribers, type DaemonEvent } from '../../daemon/events.js'
import type { ApiContext } from '../context.js'
import { API_PREFIX, SSE_HEARTBEAT_MS, SSE_MAX_BUFFERED_BYTES } from '../constants.js'
import { ApiError } from '../http.js'
import type { Router } from '../router.js'

/**
 * `GET /api/v1/events`: Server-Sent Events. First a `snapshot` (status, downloads, library, peers,
 * recent activity), then `downloads`, `download-removed`, `library`, `peers`, `stats` and `log`
 * as they happen. A client that falls SSE_MAX_BUFFERED_BYTES behind is disconnected.
 */
export function eventRoutes (router: Router, ctx: ApiContext): void {
  router.add('GET', `${API_PREFIX}/events`, (req, res) => {
    let unsubscribe: (() => void) | undefined
    const send = (event: DaemonEvent | { name: 'snapshot', data: unknown }): void => {
      if (res.writableLength > SSE_MAX_BUFFERED_BYTES) {
        res.destroy()
        return
      }
      res.write(`event: ${event.name}\ndata: ${JSON.stringify(event.data)}\n\n`)
    }
    try {
      unsubscribe = ctx.events.subscribe(send)
    } catch (err) {
      if (err instanceof TooManySubscribers) throw new ApiError(503, 'BUSY', err.message)
      throw err
    }
    res.statusCode = 200
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8')
    res.setHeader('Cache-Control', 'no-store')
    res.setHeader('X-Accel-Buffering', 'no')
    res.flushHeaders()
    res.write('retry: 2000\n\n')
    send({
      name: 'snapshot',
      data: {
        status: ctx.status(),
        downloads: ctx.downloads.list(),
        library: ctx.library(),
        peers: ctx.peers(),
        banned: ctx.bannedPeers(),
        activity: ctx.activity(),
        history: ctx.history()
      }
    })
    const heartbeat = setInterval(() => res.write(': ping\n\n'), SSE_HEARTBEAT_MS)
    const close = (): void => {
      clearInterval(heartbeat)
      unsubscribe?.()
    }
    req.raw.on('close', close)
    res.on('close', close)
    keepOpen(res)
  })
}

/** The stream has no end of its own: it closes when the client leaves or the server stops. */
function keepOpen (res: ServerResponse): void {
  res.socket?.setKeepAlive(true)
  res.socket?.setTimeout(0)
}
