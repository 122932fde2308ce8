import type { ApiContext } from '../context.js'
import { API_PREFIX } from '../constants.js'
import { sendJson } from '../http.js'
import type { Router } from '../router.js'

/** `GET /api/v1/node` (status) and `GET /api/v1/activity` (recent log records). */
export function nodeRoutes (router: Router, ctx: ApiContext): void {
  router.add('GET', `${API_PREFIX}/node`, (_req, res) => sendJson(res, 200, ctx.status()))
  router.add('GET', `${API_PREFIX}/activity`, (_req, res) => sendJson(res, 200, { records: ctx.activity() }))
}
