import type { Parsed } from '../args.js'
import { formatBytes, formatDuration, formatRate } from '../format.js'
import type { Reporter } from '../reporter.js'
import { dataDirOf, findDaemon } from '../remote/find-daemon.js'

export const STATUS_HELP = `Usage: shoal status [options]

Tells whether a daemon runs on the data directory and, if so, how it is doing: peers, shares,
downloads, traffic, dashboard URL.

Options:
  --json                 {"event":"status","daemon":true,"peerId",…} or {"event":"status","daemon":false,…}
  --data-dir <dir>       the daemon's data directory (default $SHOAL_HOME or ~/.shoal)`

export async function status (parsed: Parsed, reporter: Reporter): Promise<number> {
  const found = await findDaemon(parsed.values)
  if (found === undefined) {
    const dataDir = dataDirOf(parsed.values)
    reporter.event({ event: 'status', daemon: false, dataDir })
    reporter.say(`No daemon is running for ${dataDir}. Start one with 'shoal daemon'.`)
    return 0
  }
  const s = await found.client.status()
  reporter.event({ event: 'status', daemon: true, pid: found.pid, api: found.client.url, ...s })
  const active = (s.downloads.finding ?? 0) + (s.downloads.downloading ?? 0)
  reporter.say(`Daemon running (pid ${found.pid}, up ${formatDuration(s.uptimeSeconds * 1000)}), API ${found.client.url}`)
  reporter.say(`  peer ${s.peerId}, reachable: ${s.reachability}${s.relays.length > 0 ? ` (relayed via ${s.relays.length} relay${s.relays.length === 1 ? '' : 's'})` : ''}`)
  reporter.say(`  ${s.peers} peer${s.peers === 1 ? '' : 's'} connected, ${s.banned} banned, ${s.dhtPeers} in the DHT routing table`)
  reporter.say(`  ${s.shares} share${s.shares === 1 ? '' : 's'}, ${active} download${active === 1 ? '' : 's'} running, ${s.downloads.paused ?? 0} paused`)
  reporter.say(`  ↓ ${formatRate(s.downloadRate)} (${formatBytes(s.downloadedBytes)} in all)  ↑ ${formatRate(s.uploadRate)} (${formatBytes(s.uploadedBytes)} in all)`)
  return 0
}
