import type { ServerResponse } from 'node:http'
import { once } from 'node:events'
import { CID } from 'multiformats/cid'
import { ErrorCode, ShoalError } from '../../errors.js'
import type { SwarmContent } from '../../swarm/common/swarm-content.js'
import type { ApiContext } from '../context.js'
import { GATEWAY_FIND_TIMEOUT_MS, GATEWAY_POLL_MS } from '../constants.js'
import { ApiError, sendJson } from '../http.js'
import { contentTypeOf } from '../gateway/mime.js'
import { readFileRange } from '../gateway/piece-reader.js'
import { parseRange } from '../gateway/range.js'
import type { ApiRequest, Router } from '../router.js'
import { TOKEN_PARAM } from '../auth.js'
import { trace } from '../../log/trace.js'

/**
 * The gateway: `GET /content/<cid>/<path>` streams a file of any content this node serves or can
 * find, while it downloads. A Range request is served by asking the download for the pieces it
 * covers first, so a video plays from any point long before the download ends. Content that is
 * not here yet is downloaded into the daemon's downloads folder.
 */
export function contentRoutes (router: Router, ctx: ApiContext): void {
  const serve = async (req: ApiRequest, res: ServerResponse): Promise<void> => {
    const cid = parseCid(req.params.cid as string)
    trace('gateway:request', cid)
    const content = await findContent(ctx, cid, req)
    const path = req.params.path ?? ''
    const { manifest } = content
    if (manifest.kind === 'dir' && path === '') {
      listFolder(req, res, content)
      return
    }
    const file = manifest.kind === 'file' && (path === '' || path === manifest.name) ? 0 : manifest.files.findIndex(f => f.path === path)
    const entry = manifest.files[file]
    if (entry === undefined) throw new ApiError(404, 'NOT_FOUND', `no file ${JSON.stringify(path)} in ${cid}`)
    const range = parseRange(req.raw.headers.range, entry.size)
    res.setHeader('Accept-Ranges', 'bytes')
    res.setHeader('ETag', `"${cid}.${file}"`)
    res.setHeader('Cache-Control', 'private, max-age=31536000, immutable')
    // Content is whatever a peer published: never let it run as this origin (the dashboard's).
    res.setHeader('Content-Security-Policy', 'sandbox')
    res.setHeader('Content-Disposition', `inline; filename*=UTF-8''${encodeURIComponent(entry.path.split('/').pop() ?? entry.path)}`)
    if (range === 'unsatisfiable') {
      res.statusCode = 416
      res.setHeader('Content-Range', `bytes */${entry.size}`)
      res.end()
      return
    }
    const span = range ?? { start: 0, end: entry.size - 1 }
    res.statusCode = range === undefined ? 200 : 206
    res.setHeader('Content-Type', contentTypeOf(entry.path))
    res.setHeader('Content-Length', entry.size === 0 ? 0 : span.end - span.start + 1)
    if (range !== undefined) res.setHeader('Content-Range', `bytes ${span.start}-${span.end}/${entry.size}`)
    if (req.method === 'HEAD' || entry.size === 0) {
      res.end()
      return
    }
    const gone = new AbortController()
    res.on('close', () => gone.abort())
    const chunks = readFileRange({
      content: () => ctx.contentOf(cid),
      prioritize: pieces => ctx.downloads.get(cid)?.prioritize(pieces),
      file,
      range: span,
      signal: gone.signal
    })
    for await (const chunk of chunks) {
      if (!res.write(chunk)) await Promise.race([once(res, 'drain'), once(res, 'close')])
      if (gone.signal.aborted) return
    }
    res.end()
    trace('gateway:sent', cid)
  }
  for (const method of ['GET', 'HEAD'] as const) {
    router.add(method, '/content/{cid}', serve)
    router.add(method, '/content/{cid}/{path+}', serve)
  }
}

function parseCid (text: string): string {
  try {
    return CID.parse(text).toString()
  } catch {
    throw new ApiError(400, ErrorCode.BadLink, `not a content ID: ${text}`)
  }
}

/**
 * The content if served; else starts downloading it and waits (bounded) for its manifest: woken
 * by the download's next change (it says `downloading` as soon as the manifest is known), and
 * looking again at least every GATEWAY_POLL_MS (the client may have gone).
 */
async function findContent (ctx: ApiContext, cid: string, req: ApiRequest): Promise<SwarmContent> {
  const served = ctx.contentOf(cid)
  if (served !== undefined) return served
  const download = ctx.downloads.ensure(cid)
  const deadline = Date.now() + GATEWAY_FIND_TIMEOUT_MS
  for (;;) {
    const content = ctx.contentOf(cid)
    if (content !== undefined) return content
    const info = download.info()
    if (info.state === 'failed') throw new ShoalError(info.error?.code ?? ErrorCode.NotFound, info.error?.message ?? 'the download failed')
    if (req.raw.destroyed) throw new ShoalError(ErrorCode.Aborted, 'the client went away')
    if (Date.now() > deadline) throw new ShoalError(ErrorCode.Timeout, `could not find ${cid} within ${GATEWAY_FIND_TIMEOUT_MS / 1000} s`)
    await download.nextChange(GATEWAY_POLL_MS)
  }
}

function listFolder (req: ApiRequest, res: ServerResponse, content: SwarmContent): void {
  const files = content.manifest.files.map((f, i) => ({
    path: f.path,
    size: f.size,
    complete: content.layout.pieceCountOf(i) === 0 || range(content.layout.firstPiece(i), content.layout.pieceCountOf(i)).every(p => content.bitfield.has(p))
  }))
  if ((req.raw.headers.accept ?? '').includes('application/json')) {
    sendJson(res, 200, { cid: content.key, name: content.manifest.name, files })
    return
  }
  const token = req.url.searchParams.get(TOKEN_PARAM)
  const query = token !== null ? `?${TOKEN_PARAM}=${encodeURIComponent(token)}` : ''
  const rows = files.map(f => `<li><a href="/content/${content.key}/${f.path.split('/').map(encodeURIComponent).join('/')}${query}">${escapeHtml(f.path)}</a> (${f.size} bytes${f.complete ? '' : ', downloading'})</li>`)
  const html = `<!doctype html><meta charset="utf-8"><title>${escapeHtml(content.manifest.name)}</title><h1>${escapeHtml(content.manifest.name)}</h1><ul>${rows.join('')}</ul>`
  res.statusCode = 200
  res.setHeader('Content-Type', 'text/html; charset=utf-8')
  res.setHeader('Content-Security-Policy', "sandbox; default-src 'none'")
  res.end(req.method === 'HEAD' ? undefined : html)
}

function range (start: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => start + i)
}

function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`)
}
