import { createNode, type ContentSummary } from '../../node/node.js'
import { nodeOptions, type Parsed } from '../args.js'
import { formatBytes, shortId } from '../format.js'
import type { Reporter } from '../reporter.js'
import { findDaemon } from '../remote/find-daemon.js'

export const LS_HELP = `Usage: shoal ls [options]

Lists what this node shares and has downloaded (or is downloading): name, size, progress, link.
Asks the daemon when one runs on the data directory.

Options:
  --json                 one {"event":"content","cid","role","name","bytes","complete",…} per line
  --data-dir <dir>       node key and database (default $SHOAL_HOME or ~/.shoal)`

export async function ls (parsed: Parsed, reporter: Reporter): Promise<number> {
  const items = await listContent(parsed)
  for (const item of items) {
    reporter.event({ event: 'content', ...item })
    const progress = item.complete ? '' : `  ${Math.floor(item.piecesDone / Math.max(1, item.pieces) * 100)}%`
    reporter.say(`${item.role === 'share' ? 'shared    ' : item.complete ? 'downloaded' : 'partial   '}  ${formatBytes(item.bytes).padStart(10)}${progress}  ${item.name}  ${shortId(item.cid)}`)
    reporter.say(`            ${item.link}`)
  }
  if (items.length === 0) reporter.say('Nothing shared or downloaded yet.')
  return 0
}

async function listContent (parsed: Parsed): Promise<ContentSummary[]> {
  const found = await findDaemon(parsed.values)
  if (found !== undefined) return await found.client.library()
  // No daemon: open the node quietly (no discovery), read, stop.
  const node = await createNode({ ...nodeOptions(parsed.values), mdns: false, bootstrap: [], listen: ['/ip4/127.0.0.1/tcp/0'] })
  try {
    return node.listContent()
  } finally {
    await node.stop()
  }
}
