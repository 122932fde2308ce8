import { DEFAULT_PAGE_HOST, DEFAULT_PAGE_PORT, startPageServer } from '../../api/page-server.js'
import { parseLink } from '../../content/link.js'
import { overWebSockets } from '../../net/websockets.js'
import { ErrorCode, ShoalError } from '../../errors.js'
import type { Parsed } from '../args.js'
import type { Reporter } from '../reporter.js'
import { untilSignal } from '../signals.js'
import { parseApiAddress } from './daemon.js'

export const WEB_HELP = `Usage: shoal web [<link>] [--listen <host>:<port>] [--json]

Serves the web page with which someone who has only a browser downloads a Shoal link: open
http://<host>:<port>/get#<shoal-link>. The page is static (it holds no data and needs no token);
it fetches and verifies the pieces itself, from peers with WebSockets addresses in the link.
Serves until interrupted (Ctrl+C or SIGTERM), then exits 0.

Options:
  --listen <host>:<port> where to serve (default ${DEFAULT_PAGE_HOST}:${DEFAULT_PAGE_PORT}; port 0 picks one)
  --json                 {"event":"web","url":"http://…/get/","web":"http://…/get/#shoal://…"}`

export async function web (parsed: Parsed, reporter: Reporter): Promise<number> {
  if (parsed.positionals.length > 1) throw new ShoalError(ErrorCode.BadArgument, 'web takes at most one link: shoal web [<link>] [--listen <host>:<port>]')
  const link = parsed.positionals[0]
  const parsedLink = link !== undefined ? parseLink(link) : undefined
  const listen = (parsed.values.listen as string[] | undefined)?.at(-1)
  const { host, port } = listen !== undefined ? parseListen(listen) : { host: DEFAULT_PAGE_HOST, port: DEFAULT_PAGE_PORT }
  const signalled = untilSignal()
  const server = await startPageServer(host, port)
  try {
    const webLink = link !== undefined ? `${server.url}#${link}` : undefined
    reporter.event({ event: 'web', url: server.url, ...(webLink !== undefined ? { web: webLink } : {}) })
    reporter.say(`Serving the web page at ${server.url}`)
    if (webLink !== undefined) reporter.say(`  web: ${webLink}`)
    if (parsedLink !== undefined && !parsedLink.peers.some(a => overWebSockets(a.toString()))) {
      reporter.note('warning: the link names no WebSockets address (/ws or /tls/ws), so a page cannot reach its peers: use the web link "shoal share" prints, or a link from a node with WebSockets')
    }
    reporter.note('Serving. Press Ctrl+C to stop.')
    await signalled
    return 0
  } finally {
    await server.close()
  }
}

function parseListen (text: string): { host: string, port: number } {
  try {
    return parseApiAddress(text)
  } catch {
    throw new ShoalError(ErrorCode.BadArgument, `--listen takes <host>:<port> (e.g. ${DEFAULT_PAGE_HOST}:${DEFAULT_PAGE_PORT}): got '${text.slice(0, 60)}'`)
  }
}
