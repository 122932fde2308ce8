import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ErrorCode, ShoalError } from '../errors.js'
import { listAssets, WEB_ROOT } from '../web/assets.js'
import { presentedToken, tokenMatches } from './auth.js'
import { HEADERS_TIMEOUT_MS } from './constants.js'
import type { ApiContext } from './context.js'
import { ApiError, baseHeaders, sendError } from './http.js'
import { Router, type Method } from './router.js'
import { contentRoutes } from './routes/content-routes.js'
import { storageRoutes } from './routes/storage-routes.js'
import { computeRoutes } from './routes/compute-routes.js'
import { downloadRoutes } from './routes/download-routes.js'
import { eventRoutes } from './routes/event-routes.js'
import { metricsRoutes } from './routes/metrics-routes.js'
import { nodeRoutes } from './routes/node-routes.js'
import { peerRoutes } from './routes/peer-routes.js'
import { shareRoutes } from './routes/share-routes.js'
import { staticRoutes } from './routes/static-routes.js'
import { pageRoutes } from './routes/page-routes.js'
import { pageFiles } from './page-server.js'

export interface ApiServer {
  /** Base URL, e.g. `http://127.0.0.1:5110` (the real port when 0 was asked for). */
  url: string
  router: Router
  close: () => Promise<void>
}

/** Every route of the API, in matching order (the dashboard's files last). */
export async function buildRouter (ctx: ApiContext, webRoot = WEB_ROOT): Promise<Router> {
  const router = new Router()
  nodeRoutes(router, ctx)
  shareRoutes(router, ctx)
  downloadRoutes(router, ctx)
  peerRoutes(router, ctx)
  eventRoutes(router, ctx)
  metricsRoutes(router, ctx)
  contentRoutes(router, ctx)
  storageRoutes(router, ctx)
  pageRoutes(router, await pageFiles())
  computeRoutes(router, ctx)
  staticRoutes(router, await listAssets(webRoot))
  return router
}

/**
 * The daemon's HTTP server: the JSON API under /api/v1, the event stream, /metrics, the content
 * gateway and the dashboard. Every route but the dashboard's own files needs the token.
 */
export async function startApiServer (ctx: ApiContext, host: string, port: number): Promise<ApiServer> {
  const router = await buildRouter(ctx)
  const server = createServer({ headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: 0 }, (req, res) => {
    void handle(router, ctx, req, res)
  })
  await listen(server, host, port)
  const address = server.address() as AddressInfo
  return {
    url: `http://${urlHost(host)}:${address.port}`,
    router,
    close: async () => {
      const closed = new Promise<void>(resolve => server.close(() => resolve()))
      server.closeAllConnections()
      await closed
    }
  }
}

async function handle (router: Router, ctx: ApiContext, raw: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = Date.now()
  baseHeaders(res)
  let status: number
  let path = '?'
  try {
    const url = new URL(raw.url ?? '/', 'http://localhost')
    path = url.pathname
    const match = router.match(raw.method ?? 'GET', url.pathname)
    if (match === undefined) throw new ApiError(404, ErrorCode.NotFound, `no route ${url.pathname}`)
    if ('allowed' in match) {
      res.setHeader('Allow', [...new Set(match.allowed)].join(', '))
      throw new ApiError(405, ErrorCode.BadArgument, `${raw.method ?? ''} is not allowed on ${url.pathname}`)
    }
    if (match.route.auth && !tokenMatches(presentedToken(raw, url), ctx.token)) {
      res.setHeader('WWW-Authenticate', 'Bearer')
      throw new ApiError(401, ErrorCode.Unauthorized, 'missing or wrong API token (it is in <data-dir>/api-token; `shoal dashboard` prints a URL with it)')
    }
    await match.route.handler({ raw, method: raw.method as Method, url, params: match.params }, res)
    status = res.statusCode
  } catch (err) {
    status = sendError(res, err)
    if (status >= 500 && status !== 503 && status !== 504) ctx.logger.warn('api request failed', { method: raw.method, path, status, error: err })
  }
  ctx.metrics.apiRequest(status)
  ctx.logger.debug('api request', { method: raw.method, path, status, ms: Date.now() - started })
}

async function listen (server: Server, host: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const why = err.code === 'EADDRINUSE' ? 'the address is in use (another daemon? pick one with --api <host>:<port>)' : (err.code ?? err.message)
      reject(new ShoalError(ErrorCode.BadArgument, `cannot serve the API on ${host}:${port}: ${why}`))
    }
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolve()
    })
  })
}

/** The host to put in URLs: loopback for a wildcard bind, brackets for IPv6. */
function urlHost (host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1'
  if (host === '::') return '[::1]'
  return host.includes(':') ? `[${host}]` : host
}
