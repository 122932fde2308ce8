import { createNode, type ContentSummary } from '../../node/node.js'
import { nodeOptions, type Parsed } from '../args.js'
import { formatBytes, shortId } from '../format.js'
import type { Reporter } from '../reporter.js'
import { findDaemon } from '../remote/find-daemon.js'
import { STORAGE_SERVICE, type StorageService, type StorageStatus } from '../../storage/service.js'
import { reportStorage } from '../storage-report.js'

export const LS_HELP = `Usage: shoal ls [options]

Lists what this node shares and has downloaded (or is downloading): name, size, progress, link.
Asks the daemon when one runs on the data directory.

Options:
  --json                 one {"event":"content","cid","role","name","bytes","complete",…} per line;
                         then {"event":"replica",…} per replicated content, {"event":"held",…} per
                         content held for others, and {"event":"storage","offeredBytes","usedBytes"}
  --data-dir <dir>       node key and database (default $SHOAL_HOME or ~/.shoal)`

export async function ls (parsed: Parsed, reporter: Reporter): Promise<number> {
  const { items, storage } = await listContent(parsed)
  for (const item of items) {
    reporter.event({ event: 'content', ...item })
    const progress = item.complete ? '' : `  ${Math.floor(item.piecesDone / Math.max(1, item.pieces) * 100)}%`
    reporter.say(`${item.role === 'share' ? 'shared    ' : item.complete ? 'downloaded' : 'partial   '}  ${formatBytes(item.bytes).padStart(10)}${progress}  ${item.name}  ${shortId(item.cid)}`)
    reporter.say(`            ${item.link}`)
  }
  if (items.length === 0) reporter.say('Nothing shared or downloaded yet.')
  if (storage !== undefined) reportStorage(storage, reporter)
  return 0
}

async function listContent (parsed: Parsed): Promise<{ items: ContentSummary[], storage?: StorageStatus }> {
  const found = await findDaemon(parsed.values)
  if (found !== undefined) {
    const storage = await found.client.request<StorageStatus>('GET', '/storage').catch(() => undefined)
    return { items: await found.client.library(), storage }
  }
  // No daemon: open the node quietly (no discovery), read, stop.
  const node = await createNode({ ...nodeOptions(parsed.values), mdns: false, bootstrap: [], listen: ['/ip4/127.0.0.1/tcp/0'] })
  try {
    return { items: node.listContent(), storage: node.service<StorageService>(STORAGE_SERVICE)?.status() }
  } finally {
    await node.stop()
  }
}
