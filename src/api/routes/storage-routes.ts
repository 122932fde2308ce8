import type { ApiContext } from '../context.js'
import { API_PREFIX } from '../constants.js'
import { ApiError, readJson, sendJson, stringField } from '../http.js'
import type { Router } from '../router.js'

/** Storage sharing: what this node replicates and holds; replicate a path or secret link. */
export function storageRoutes (router: Router, ctx: ApiContext): void {
  router.add('GET', `${API_PREFIX}/storage`, (_req, res) => {
    if (ctx.storage === undefined) throw new ApiError(404, 'NOT_FOUND', 'storage is switched off on this node')
    sendJson(res, 200, ctx.storage.status())
  })
  router.add('POST', `${API_PREFIX}/replicas`, async (req, res) => {
    if (ctx.storage === undefined) throw new ApiError(404, 'NOT_FOUND', 'storage is switched off on this node')
    const body = await readJson(req.raw)
    const copies = body.copies ?? 3
    if (typeof copies !== 'number' || !Number.isInteger(copies) || copies < 1 || copies > 16) throw new ApiError(400, 'BAD_ARGUMENT', "'copies' is a whole number from 1 to 16")
    sendJson(res, 202, ctx.storage.jobs.start(stringField(body, 'target'), { copies, sameNetworkOk: body.sameNetworkOk === true }))
  })
  router.add('GET', `${API_PREFIX}/replicas/{id}`, (req, res) => {
    const job = ctx.storage?.jobs.get(req.params.id as string)
    if (job === undefined) throw new ApiError(404, 'NOT_FOUND', `no replication job ${req.params.id as string}`)
    sendJson(res, 200, job)
  })
}
