import type { ApiContext } from '../context.js'
import { API_PREFIX } from '../constants.js'
import { readJson, sendJson, sendNoContent, stringField } from '../http.js'
import type { Router } from '../router.js'

/** Peers: list with rates (and the banned), connect to a multiaddr, ban. */
export function peerRoutes (router: Router, ctx: ApiContext): void {
  const base = `${API_PREFIX}/peers`
  router.add('GET', base, (_req, res) => sendJson(res, 200, { peers: ctx.peers(), banned: ctx.bannedPeers() }))
  router.add('POST', base, async (req, res) => {
    const body = await readJson(req.raw)
    sendJson(res, 200, { peerId: await ctx.connect(stringField(body, 'addr')) })
  })
  router.add('POST', `${base}/{peerId}/ban`, async (req, res) => {
    await ctx.ban(req.params.peerId as string)
    sendNoContent(res)
  })
}
