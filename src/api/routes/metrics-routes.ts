import type { ApiContext } from '../context.js'
import type { Router } from '../router.js'

/** `GET /metrics`: Prometheus text format (token required, as everywhere: `Authorization: Bearer`). */
export function metricsRoutes (router: Router, ctx: ApiContext): void {
  router.add('GET', '/metrics', async (_req, res) => {
    const { text, contentType } = await ctx.metrics.render()
    res.statusCode = 200
    res.setHeader('Content-Type', contentType)
    res.setHeader('Cache-Control', 'no-store')
    res.end(text)
  })
}
