/**
 * Serving the web page (src/browser/, built into dist/web/get by scripts/bundle.js): the daemon at
 * `/get` (routes/page-routes.ts), `shoal web`, and a `shoal share` without a daemon. The page is
 * static and read-only: it holds no data and uses no API, only the swarm, so it needs no token.
 * Its link travels in the URL fragment, which browsers never send to the server.
 */
import type { ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ErrorCode, ShoalError } from '../errors.js'
import { packageRoot } from '../package.js'
import { listAssets, type WebAsset } from '../web/assets.js'
import { HEADERS_TIMEOUT_MS } from './constants.js'
import { multiaddr } from '@multiformats/multiaddr'
import { isWebSocketsAddr } from '../net/websockets.js'
import { baseHeaders } from './http.js'

export const PAGE_ROOT = join(packageRoot(), 'dist', 'web', 'get')
/** Where `shoal web` serves the page unless `--listen` says otherwise. */
export const DEFAULT_PAGE_HOST = '127.0.0.1'
export const DEFAULT_PAGE_PORT = 5111
/** Where the page is served: `/get` redirects to `/get/` so its files resolve next to it. */
export const PAGE_PATH = '/get'

/** The page loads its script and worker from its own origin and talks only to peers over WebSockets. */
export const PAGE_CSP = [
  "default-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'",
  "script-src 'self'",
  "worker-src 'self'",
  "connect-src 'self' ws: wss:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'"
].join('; ')

export type PageFiles = Map<string, WebAsset>

/** The built page's files by URL path under PAGE_PATH; NOT_FOUND when the package was built without it. */
export async function pageFiles (root: string = PAGE_ROOT): Promise<PageFiles> {
  try {
    return await listAssets(root)
  } catch {
    return new Map()
  }
}

/**
 * Answers a request for `pathname` (anything else than the page's files: false, for the caller to
 * handle). `/get` redirects to `/get/` (browsers keep the fragment across a redirect).
 */
export async function servePage (files: PageFiles, pathname: string, res: ServerResponse, head: boolean): Promise<boolean> {
  if (pathname === PAGE_PATH) {
    res.statusCode = 308
    res.setHeader('Location', `${PAGE_PATH}/`)
    res.end()
    return true
  }
  if (!pathname.startsWith(`${PAGE_PATH}/`)) return false
  const asset = files.get(pathname.slice(PAGE_PATH.length))
  if (asset === undefined) return false
  const body = await readFile(asset.file)
  res.statusCode = 200
  res.setHeader('Content-Type', asset.type)
  res.setHeader('Content-Length', body.byteLength)
  res.setHeader('Cache-Control', 'no-cache')
  res.setHeader('Content-Security-Policy', PAGE_CSP)
  res.end(head ? undefined : body)
  return true
}

export interface PageServer {
  /** The page's URL, e.g. `http://127.0.0.1:5111/get/`. */
  url: string
  close: () => Promise<void>
}

/**
 * A server of the page and nothing else (`shoal web`, `shoal share` without a daemon). `shownHost`:
 * the host its URL names when that is not the one listened on (one address of `0.0.0.0`).
 */
export async function startPageServer (host: string, port: number, shownHost?: string): Promise<PageServer> {
  const files = await pageFiles()
  if (files.size === 0) throw new ShoalError(ErrorCode.NotFound, `the web page is not built (no ${PAGE_ROOT}): run 'npm run build'`)
  // Loaded here: every command imports this module (share's page link), and node:http costs a
  // command that never serves a page ~5 ms at start (docs/benchmarks.md, round 9).
  const { createServer } = await import('node:http')
  const server = createServer({ headersTimeout: HEADERS_TIMEOUT_MS }, (req, res) => {
    baseHeaders(res)
    const url = new URL(req.url ?? '/', 'http://localhost')
    const head = req.method === 'HEAD'
    if (req.method !== 'GET' && !head) {
      res.statusCode = 405
      res.end()
      return
    }
    const pathname = url.pathname === '/' ? PAGE_PATH : url.pathname
    servePage(files, pathname, res, head).then(served => {
      if (served) return
      res.statusCode = 404
      res.end('not found\n')
    }, () => {
      res.statusCode = 500
      res.end()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(new ShoalError(ErrorCode.BadArgument, `cannot serve the page on ${host}:${port}: ${err.code === 'EADDRINUSE' ? 'the address is in use' : (err.code ?? err.message)}`)))
    server.listen(port, host, () => resolve())
  })
  const address = server.address() as AddressInfo
  const named = shownHost ?? host
  const shown = named === '0.0.0.0' || named === '' ? '127.0.0.1' : named === '::' ? '[::1]' : named.includes(':') ? `[${named}]` : named
  return {
    url: `http://${shown}:${address.port}${PAGE_PATH}/`,
    close: async () => {
      const closed = new Promise<void>(resolve => server.close(() => resolve()))
      server.closeAllConnections()
      await closed
    }
  }
}

/**
 * Where a node's own page server listens, given the node's addresses, and the host its web link
 * names: on loopback for a node kept to loopback; else on every interface, the link naming the
 * first address others can reach (loopback would be the opener's own machine), so the link works
 * for someone with only a browser. Undefined without a WebSockets address.
 */
export function pageHostFor (addrs: string[]): { listen: string, shown: string } | undefined {
  const hosts = addrs.filter(isWebSocketsAddr).flatMap(a => {
    const ip = multiaddr(a).getComponents().find(c => c.name === 'ip4' || c.name === 'ip6')
    return ip?.value !== undefined ? [{ family: ip.name, host: ip.value }] : []
  })
  const wide = hosts.find(h => !h.host.startsWith('127.') && h.host !== '::1')
  if (wide !== undefined) return { listen: wide.family === 'ip6' ? '::' : '0.0.0.0', shown: wide.host }
  const first = hosts[0]
  return first !== undefined ? { listen: first.host, shown: first.host } : undefined
}

