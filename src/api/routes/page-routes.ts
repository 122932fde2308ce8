import { PAGE_PATH, servePage, type PageFiles } from '../page-server.js'
import { ApiError } from '../http.js'
import type { Router } from '../router.js'

/** The web page at `/get` (api/page-server.ts): no token, it holds no data and uses no API. */
export function pageRoutes (router: Router, files: PageFiles): void {
  const serve = (head: boolean) => async (req: { url: URL }, res: import('node:http').ServerResponse): Promise<void> => {
    if (!await servePage(files, req.url.pathname, res, head)) throw new ApiError(404, 'NOT_FOUND', `no such page: ${req.url.pathname}`)
  }
  router.add('GET', PAGE_PATH, serve(false), { auth: false })
  router.add('GET', `${PAGE_PATH}/`, serve(false), { auth: false })
  router.add('GET', `${PAGE_PATH}/{file+}`, serve(false), { auth: false })
  router.add('HEAD', `${PAGE_PATH}/{file+}`, serve(true), { auth: false })
}
