import { createNode } from '../../node/node.js'
import { nodeOptions, type Parsed } from '../args.js'
import type { Reporter } from '../reporter.js'
import { findDaemon } from '../remote/find-daemon.js'
import { reachOf, type ReachStatus } from '../../reach/index.js'

export const ID_HELP = `Usage: shoal id [options]

Prints this node's peer ID (stable: its key lives in the data directory) and listen addresses.

Options:
  --json                 {"event":"id","peerId":…,"addrs":[…],"dataDir":…,"directPort":…,
                          "reachability":"public"|"private"|"unknown","relays":[…]}
  --data-dir, --listen, --bootstrap, --no-mdns, -h/--help as for every command`

export async function id (parsed: Parsed, reporter: Reporter): Promise<number> {
  // A daemon holds the data directory: it knows the identity and the addresses it listens on.
  const running = await findDaemon(parsed.values)
  if (running !== undefined) {
    const status = await running.client.status()
    reporter.event({ event: 'id', peerId: status.peerId, addrs: status.addrs, dataDir: status.dataDir, ...(status.directPort !== undefined ? { directPort: status.directPort } : {}), reachability: status.reachability, relays: status.relays })
    reporter.say(`peer ID: ${status.peerId}`)
    reporter.say(`data dir: ${status.dataDir}`)
    reporter.say('addresses:')
    for (const addr of status.addrs) reporter.say(`  ${addr}`)
    if (status.directPort !== undefined) reporter.say(`direct connections: TCP port ${status.directPort}`)
    sayReach(reporter, status)
    return 0
  }
  // Discovery is irrelevant to printing an identity: keep the node quiet on the network.
  const node = await createNode({ ...nodeOptions(parsed.values), mdns: false, bootstrap: [] })
  try {
    const directPort = node.directPort()
    const reach = reachOf(node)
    reporter.event({ event: 'id', peerId: node.peerId, addrs: node.addrs(), dataDir: node.dataDir, ...(directPort !== undefined ? { directPort } : {}), ...reach })
    reporter.say(`peer ID: ${node.peerId}`)
    reporter.say(`data dir: ${node.dataDir}`)
    reporter.say('addresses:')
    for (const addr of node.addrs()) reporter.say(`  ${addr}`)
    if (directPort !== undefined) reporter.say(`direct connections: TCP port ${directPort}`)
    sayReach(reporter, reach)
    return 0
  } finally {
    await node.stop()
  }
}

function sayReach (reporter: Reporter, reach: ReachStatus): void {
  reporter.say(`reachable: ${reach.reachability}${reach.relays.length > 0 ? ` (relayed via ${reach.relays.length} relay${reach.relays.length === 1 ? '' : 's'})` : ''}`)
}
