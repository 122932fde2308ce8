import type { ApiContext } from '../context.js'
import { PROMETHEUS_CONTENT_TYPE } from '../../metrics/registry.js'
import type { Router } from '../router.js'

/** `GET /metrics`: Prometheus text format (token required, as everywhere: `Authorization: Bearer`). */
export function metricsRoutes (router: Router, ctx: ApiContext): void {
  router.add('GET', '/metrics', (_req, res) => {
    const text = ctx.metrics.render()
    res.statusCode = 200
    res.setHeader('Content-Type', PROMETHEUS_CONTENT_TYPE)
    res.setHeader('Cache-Control', 'no-store')
    res.end(text)
  })
}
