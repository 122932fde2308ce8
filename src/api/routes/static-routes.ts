import { readFile } from 'node:fs/promises'
import type { WebAsset } from '../../web/assets.js'
import { ApiError } from '../http.js'
import type { Router } from '../router.js'

/** The dashboard's script, style and data all come from this origin; nothing else runs or loads. */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "style-src 'self'",
  "script-src 'self'",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'"
].join('; ')

/**
 * The dashboard's files, without the token (they hold no data; the page reads the token from the
 * URL fragment, which browsers never send). Registered last: it takes every path no API route took.
 */
export function staticRoutes (router: Router, assets: Map<string, WebAsset>): void {
  const serve = async (path: string, res: import('node:http').ServerResponse, head: boolean): Promise<void> => {
    const asset = assets.get(path)
    if (asset === undefined) throw new ApiError(404, 'NOT_FOUND', `no such page: ${path}`)
    const body = await readFile(asset.file)
    res.statusCode = 200
    res.setHeader('Content-Type', asset.type)
    res.setHeader('Content-Length', body.byteLength)
    res.setHeader('Cache-Control', 'no-cache')
    res.setHeader('Content-Security-Policy', DASHBOARD_CSP)
    res.end(head ? undefined : body)
  }
  router.add('GET', '/', async (_req, res) => await serve('/', res, false), { auth: false })
  router.add('GET', '/{file+}', async (req, res) => await serve('/' + (req.params.file as string), res, false), { auth: false, fallback: true })
  router.add('HEAD', '/{file+}', async (req, res) => await serve('/' + (req.params.file as string), res, true), { auth: false, fallback: true })
}
