import { parseLink } from '../../content/link.js'
import type { ApiContext } from '../context.js'
import { API_PREFIX } from '../constants.js'
import { ApiError, optionalPositive, optionalString, readJson, sendJson, sendNoContent, stringField } from '../http.js'
import type { Router } from '../router.js'

/** Downloads: start by link, list with progress, pause, resume, cancel, piece map. */
export function downloadRoutes (router: Router, ctx: ApiContext): void {
  const base = `${API_PREFIX}/downloads`
  router.add('GET', base, (_req, res) => sendJson(res, 200, { downloads: ctx.downloads.list() }))
  router.add('POST', base, async (req, res) => {
    const body = await readJson(req.raw)
    const timeoutSeconds = optionalPositive(body, 'timeoutSeconds')
    const link = stringField(body, 'link')
    const existed = ctx.downloads.get(parseLink(link).cid.toString()) !== undefined
    const download = ctx.downloads.add({
      link,
      output: optionalString(body, 'output'),
      timeoutMs: timeoutSeconds !== undefined ? timeoutSeconds * 1000 : undefined,
      paused: body.paused === true,
      publisher: optionalString(body, 'publisher')
    })
    sendJson(res, existed ? 200 : 201, download.info())
  })
  router.add('GET', `${base}/{id}`, (req, res) => {
    const download = ctx.downloads.get(req.params.id as string)
    if (download === undefined) throw new ApiError(404, 'NOT_FOUND', `no download ${req.params.id as string}`)
    sendJson(res, 200, download.info())
  })
  router.add('GET', `${base}/{id}/pieces`, (req, res) => {
    const download = ctx.downloads.get(req.params.id as string)
    if (download === undefined) throw new ApiError(404, 'NOT_FOUND', `no download ${req.params.id as string}`)
    const map = download.pieceMap()
    if (map === undefined) throw new ApiError(404, 'NOT_FOUND', 'no piece map yet: the manifest has not arrived')
    sendJson(res, 200, map)
  })
  router.add('POST', `${base}/{id}/pause`, async (req, res) => {
    sendJson(res, 200, await ctx.downloads.pause(req.params.id as string))
  })
  router.add('POST', `${base}/{id}/resume`, (req, res) => {
    sendJson(res, 200, ctx.downloads.resume(req.params.id as string))
  })
  router.add('DELETE', `${base}/{id}`, async (req, res) => {
    const deletePartial = req.url.searchParams.get('deletePartial')
    await ctx.downloads.remove(req.params.id as string, deletePartial === 'true' || deletePartial === '1')
    sendNoContent(res)
  })
}

