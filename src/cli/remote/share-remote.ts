import { resolve } from 'node:path'
import type { Parsed } from '../args.js'
import type { Reporter } from '../reporter.js'
import { signalOnInterrupt } from '../signals.js'
import type { FoundDaemon } from './find-daemon.js'
import { reportShared } from '../transfer-report.js'
import { PAGE_PATH } from '../../api/page-server.js'

/**
 * `shoal share` with a daemon running: the daemon hashes and serves each path; the command prints
 * the same `sharing` events as without a daemon, then exits at once (the daemon keeps serving).
 */
export async function shareViaDaemon (daemon: FoundDaemon, parsed: Parsed, reporter: Reporter, pieceSize?: number): Promise<number> {
  const interrupt = signalOnInterrupt()
  try {
    let last
    for (const path of parsed.positionals) {
      reporter.note(`hashing ${path} in the daemon…`)
      const result = await daemon.client.share(resolve(path), interrupt.signal, pieceSize, parsed.values.secret === true)
      last = result
      reportShared(result, reporter, `${daemon.client.url}${PAGE_PATH}/`)
    }
    if (last !== undefined) {
      reporter.say(`Peer ${last.peerId}, listening on:`)
      for (const addr of last.addrs) reporter.say(`  ${addr}`)
    }
    reporter.note(`Served by the shoal daemon (pid ${daemon.pid}, ${daemon.client.url}); it keeps serving after this command exits.`)
    return 0
  } finally {
    interrupt.dispose()
  }
}
