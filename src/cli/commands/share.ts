import { createNode } from '../../node/node.js'
import { nodeOptions, parseSize, type Parsed } from '../args.js'
import { isValidPieceSize } from '../../content/manifest.js'
import { formatBytes } from '../format.js'
import { ProgressLine } from '../progress-bar.js'
import type { Reporter } from '../reporter.js'
import { untilSignal } from '../signals.js'
import { ErrorCode, ShoalError } from '../../errors.js'
import { REACH_SERVICE, type ReachService } from '../../reach/index.js'
import { findDaemon } from '../remote/find-daemon.js'
import { shareViaDaemon } from '../remote/share-remote.js'
import { reportShared } from '../transfer-report.js'
import { pageHostFor, startPageServer, type PageServer } from '../../api/page-server.js'

export const SHARE_HELP = `Usage: shoal share <path>... [options]

Shares files or folders in place (nothing is copied), prints a link for each, and serves them
until interrupted (Ctrl+C or SIGTERM), then exits 0. Shares are served again when a node restarts
on the same data directory. With 'shoal daemon' running on the data directory, the daemon
shares and serves them, and this command exits once they are shared.

Options:
  --json                 one JSON event per line: {"event":"sharing","link",...,"web"}
                         ("web": the link for a browser, http://…/get/#shoal://…, when the
                         node has WebSockets addresses)
  --secret               encrypt first: the link carries the key (#k=…) and whoever holds or
                         serves the pieces without it sees neither names nor bytes
  --piece-size <size>    bytes per piece, a power of two from 16k to 16M (default: about
                         1,024 pieces); another piece size gives another content ID
  --data-dir <dir>       node key and database (default $SHOAL_HOME or ~/.shoal)
  --listen <multiaddr>   listen address, repeatable (default /ip4/0.0.0.0/tcp/0)
  --bootstrap <multiaddr> peer to join through (…/p2p/<peerId>), repeatable
  --no-mdns              no LAN discovery
  -h, --help             this help`

export async function share (parsed: Parsed, reporter: Reporter): Promise<number> {
  if (parsed.positionals.length === 0) {
    throw new ShoalError(ErrorCode.BadArgument, 'share needs at least one path: shoal share <path>...')
  }
  const pieceSize = parsePieceSize(parsed.values['piece-size'])
  const running = await findDaemon(parsed.values)
  if (running !== undefined) return await shareViaDaemon(running, parsed, reporter, pieceSize)
  const node = await createNode(nodeOptions(parsed.values), {
    warning: message => reporter.note(`warning: ${message}`)
  })
  // Listen for signals before the first `sharing` line: a script may signal as soon as it reads it.
  // A signal while hashing cancels the share (ABORTED) instead of killing the process.
  const signalled = untilSignal()
  const interrupted = new AbortController()
  void signalled.then(() => interrupted.abort())
  let page: PageServer | undefined
  try {
    // Behind a router, the link must carry a relay address: wait (briefly) for a reservation.
    if ((parsed.values.bootstrap as string[] | undefined ?? []).length > 0) {
      const reach = await node.service<ReachService>(REACH_SERVICE)?.reachable(interrupted.signal)
      if (reach !== undefined) reporter.note(`reachable: ${reach.reachability}${reach.relays.length > 0 ? ` (relayed via ${reach.relays.length} relay${reach.relays.length === 1 ? '' : 's'})` : ''}`)
    }
    page = await pageServerFor(node.addrs(), reporter)
    for (const path of parsed.positionals) {
      const line = reporter.tty ? new ProgressLine(process.stderr) : undefined
      const result = await node.share(path, {
        signal: interrupted.signal,
        pieceSize,
        secret: parsed.values.secret === true,
        onProgress: (hashed, total) => line?.update(`hashing ${path}: ${formatBytes(hashed)} / ${formatBytes(total)}`)
      })
      line?.clear()
      reportShared({ ...result, peerId: node.peerId, addrs: node.addrs() }, reporter, page?.url)
    }
    reporter.say(`Peer ${node.peerId}, listening on:`)
    for (const addr of node.addrs()) reporter.say(`  ${addr}`)
    reporter.note('Serving. Press Ctrl+C to stop.')
    await signalled
    return 0
  } finally {
    await page?.close()
    await node.stop()
  }
}

/**
 * The web page (api/page-server.ts), served where the node's WebSockets listener is (pageHostFor).
 * None when the node has no WebSockets address (`--no-ws`) or the page is not built.
 */
async function pageServerFor (addrs: string[], reporter: Reporter): Promise<PageServer | undefined> {
  const where = pageHostFor(addrs)
  if (where === undefined) return undefined
  try {
    return await startPageServer(where.listen, 0, where.shown)
  } catch (err: any) {
    reporter.note(`warning: no web link: ${String(err?.message ?? err)}`)
    return undefined
  }
}

/** `--piece-size`: a size with an optional k/M suffix that the manifest rules allow. */
function parsePieceSize (value: unknown): number | undefined {
  if (value === undefined) return undefined
  const size = parseSize(String(value), '--piece-size')
  if (!isValidPieceSize(size)) {
    throw new ShoalError(ErrorCode.BadArgument, `--piece-size must be a power of two from 16k to 16M, not ${String(value)}`)
  }
  return size
}
