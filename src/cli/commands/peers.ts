import type { Parsed } from '../args.js'
import { formatBytes, formatRate } from '../format.js'
import type { Reporter } from '../reporter.js'
import { dataDirOf, findDaemon } from '../remote/find-daemon.js'
import { noDaemon } from './dashboard.js'

export const PEERS_HELP = `Usage: shoal peers [options]

Lists the running daemon's connected peers with their transfer rates, and the banned ones.

Options:
  --json                 one {"event":"peer","peerId","addrs","downloadRate","uploadRate",…} per line,
                         then one {"event":"banned","peerId"} per banned peer
  --data-dir <dir>       the daemon's data directory (default $SHOAL_HOME or ~/.shoal)`

export async function peers (parsed: Parsed, reporter: Reporter): Promise<number> {
  const found = await findDaemon(parsed.values)
  if (found === undefined) throw noDaemon(dataDirOf(parsed.values))
  const { peers: list, banned } = await found.client.peers()
  for (const peer of list) {
    reporter.event({ event: 'peer', ...peer })
    reporter.say(`${peer.peerId}  ↓ ${formatRate(peer.downloadRate)} (${formatBytes(peer.downloaded)})  ↑ ${formatRate(peer.uploadRate)} (${formatBytes(peer.uploaded)})  ${peer.addrs[0] ?? ''}`)
  }
  for (const peerId of banned) {
    reporter.event({ event: 'banned', peerId })
    reporter.say(`${peerId}  banned`)
  }
  if (list.length === 0 && banned.length === 0) reporter.say('No peers connected.')
  return 0
}
