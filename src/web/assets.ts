import { readdir } from 'node:fs/promises'
import { extname, join, relative, sep } from 'node:path'
import { packageRoot } from '../package.js'

/**
 * The dashboard is plain HTML, CSS and ES modules in this folder (src/web), served as they are:
 * no bundler, no build step. tsc does not copy them to dist, so they are found from the package
 * root (src/web), and the package ships src/web.
 */
export const WEB_ROOT = join(packageRoot(), 'src', 'web')

/** What may be served from the folder, by extension; TypeScript sources (this file) are not. */
export const WEB_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2'
}

export interface WebAsset { file: string, type: string }

/** URL path (`/`, `/app.js`, `/views/peers.js`) → file, for every servable file under `root`. */
export async function listAssets (root: string = WEB_ROOT): Promise<Map<string, WebAsset>> {
  const assets = new Map<string, WebAsset>()
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) {
        await walk(path)
        continue
      }
      const type = WEB_TYPES[extname(entry.name).toLowerCase()]
      if (!entry.isFile() || type === undefined) continue
      assets.set('/' + relative(root, path).split(sep).join('/'), { file: path, type })
    }
  }
  await walk(root)
  const index = assets.get('/index.html')
  if (index !== undefined) assets.set('/', index)
  return assets
}
