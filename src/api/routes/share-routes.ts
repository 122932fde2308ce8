import type { ApiContext } from '../context.js'
import { API_PREFIX } from '../constants.js'
import { ApiError, optionalPositive, readJson, sendJson, sendNoContent, stringField } from '../http.js'
import type { Router } from '../router.js'

/** Shares: list (with finished downloads: everything served), add by path or by upload, remove. */
export function shareRoutes (router: Router, ctx: ApiContext): void {
  router.add('GET', `${API_PREFIX}/shares`, (req, res) => {
    const role = req.url.searchParams.get('role')
    if (role !== null && role !== 'share' && role !== 'download') throw new ApiError(400, 'BAD_ARGUMENT', "'role' is share or download")
    sendJson(res, 200, { shares: ctx.library(role ?? undefined) })
  })
  router.add('POST', `${API_PREFIX}/shares`, async (req, res) => {
    const body = await readJson(req.raw)
    sendJson(res, 201, await ctx.share(stringField(body, 'path'), optionalPositive(body, 'pieceSize'), body.secret === true))
  })
  router.add('POST', `${API_PREFIX}/shares/upload`, async (req, res) => {
    const name = req.url.searchParams.get('name')
    if (name === null || name.trim() === '') throw new ApiError(400, 'BAD_ARGUMENT', "'name' (the file name) is required")
    sendJson(res, 201, await ctx.upload(name, req.raw))
  })
  router.add('DELETE', `${API_PREFIX}/shares/{cid}`, async (req, res) => {
    await ctx.removeShare(req.params.cid as string)
    sendNoContent(res)
  })
}
