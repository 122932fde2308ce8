import { isShoalError } from '../errors.js'
import { packageVersion } from '../package.js'
import { parse, type OptionSpec } from './args.js'
import { Reporter } from './reporter.js'
import { share, SHARE_HELP } from './commands/share.js'
import { get, GET_HELP } from './commands/get.js'
import { id, ID_HELP } from './commands/id.js'
import { demo, DEMO_HELP } from './commands/demo.js'
import { daemon, DAEMON_HELP } from './commands/daemon.js'
import { dashboard, DASHBOARD_HELP } from './commands/dashboard.js'
import { ls, LS_HELP } from './commands/ls.js'
import { peers, PEERS_HELP } from './commands/peers.js'
import { status, STATUS_HELP } from './commands/status.js'
import { networkKey, NETWORK_KEY_HELP } from './commands/network-key.js'
import { replicate, REPLICATE_HELP } from './commands/replicate.js'
import { STORAGE_FLAGS } from './storage-args.js'
import { COMPUTE_FLAGS } from './compute-args.js'
import { run, RUN_FLAGS, RUN_HELP } from './commands/run.js'

export const MAIN_HELP = `Shoal: peer-to-peer file sharing. Content is cut into verified pieces and pulled from many peers at once.

Usage: shoal <command> [options]

Commands:
  share <path>...        share files or folders; prints a link, serves until Ctrl+C
  get <link-or-cid>      download, verify, write <output>/<name>; --seed keeps serving
  id                     this node's peer ID and addresses
  demo                   a small swarm on this machine, sharing and downloading at once
  daemon                 a long-lived node with an HTTP API and a web dashboard
  dashboard              print the running daemon's dashboard URL
  ls                     what this node shares and has downloaded
  peers                  the daemon's connected peers and their rates
  status                 whether a daemon runs, and how it is doing
  network-key            print a new key for a private network
  replicate <path-or-link> --copies N   keep N encrypted copies on volunteers' disks
  run <module.wasm> --input <cid|path>  run a WASI job on workers, result agreed by a quorum

With a daemon running on the data directory, share, get, id, ls, peers and status go through it.

Options for every command:
  --data-dir <dir>       key and database (default $SHOAL_HOME or ~/.shoal)
  --listen <multiaddr>   listen address, repeatable (default /ip4/0.0.0.0/tcp/0)
  --bootstrap <multiaddr> a peer to join through (…/p2p/<peerId>), repeatable
  --no-mdns              no LAN discovery
  --upload-limit <rate>  most bytes per second uploaded, e.g. 8M (k/M/G suffixes)
  --download-limit <rate> most bytes per second downloaded, e.g. 8M (k/M/G suffixes)
  --network-key <file>   join the private network of this key ('shoal network-key' makes one)
  --no-direct            piece data only over libp2p streams, no direct connections
  --direct-port <port>   TCP port for direct connections (default: any free port)
  --reachability <r>     state it: public (serve as relay, no reservations) or private (use relays)
  --no-relay-service     do not serve as a circuit relay for others
  --no-upnp              do not map ports on a UPnP router
  --relay-data <rate>    relay piece data too (no circuit limits), e.g. 2M bytes per second
  --json                 one JSON event per line on stdout
  --log-level <level>    error, warn, info or debug (logs go to stderr; JSON when not a terminal)
  -h, --help             help for a command

'shoal <command> --help' tells more.`

interface Command {
  run: (parsed: ReturnType<typeof parse>, reporter: Reporter) => Promise<number>
  help: string
  options: OptionSpec
}

const COMMANDS: Record<string, Command> = {
  share: { run: share, help: SHARE_HELP, options: { 'piece-size': { type: 'string' }, secret: { type: 'boolean' } } },
  get: {
    run: get,
    help: GET_HELP,
    options: { output: { type: 'string', short: 'o' }, seed: { type: 'boolean' }, timeout: { type: 'string' }, publisher: { type: 'string' } }
  },
  id: { run: id, help: ID_HELP, options: {} },
  demo: { run: demo, help: DEMO_HELP, options: { peers: { type: 'string' }, size: { type: 'string' } } },
  daemon: { run: daemon, help: DAEMON_HELP, options: { api: { type: 'string' }, downloads: { type: 'string' }, ...STORAGE_FLAGS, ...COMPUTE_FLAGS } },
  run: { run, help: RUN_HELP, options: RUN_FLAGS },
  replicate: { run: replicate, help: REPLICATE_HELP, options: { copies: { type: 'string' }, 'same-network-ok': { type: 'boolean' }, ...STORAGE_FLAGS } },
  dashboard: { run: dashboard, help: DASHBOARD_HELP, options: {} },
  ls: { run: ls, help: LS_HELP, options: {} },
  peers: { run: peers, help: PEERS_HELP, options: {} },
  status: { run: status, help: STATUS_HELP, options: {} },
  'network-key': { run: networkKey, help: NETWORK_KEY_HELP, options: {} }
}

/** Exit codes: 0 done, 1 failed, 2 bad usage, 130 interrupted. */
export const EXIT_FAILED = 1
export const EXIT_USAGE = 2
export const EXIT_INTERRUPTED = 130

/**
 * Errors of one connection or stream going away that libp2p can leave in a promise nobody awaits:
 * a dial's AbortSignal.timeout firing after its caller moved on (seen with 17 nodes on two cores),
 * a stream's pending drain rejected with a StreamClosedError (which has no message) when yamux
 * closes the streams of a connection that went away (seen in a 16-peer crowd). They concern one
 * peer, not the command, so they must not kill a download or a seeder: the swarm already routes
 * around that peer. The same goes for such an error thrown from a callback (see below).
 */
const SURVIVABLE_REJECTIONS = new Set([
  'TimeoutError', 'AbortError', 'StreamClosedError', 'StreamResetError', 'StreamStateError', 'MuxerClosedError', 'ConnectionClosedError'
])

function survivableRejection (reason: unknown): boolean {
  const name = (reason as { name?: string } | undefined)?.name
  return name !== undefined && SURVIVABLE_REJECTIONS.has(name)
}

export async function main (argv: string[]): Promise<void> {
  const [name, ...rest] = argv
  const json = rest.includes('--json')
  const reporter = new Reporter(json)
  const onStray = (reason: unknown): void => {
    if (survivableRejection(reason)) {
      if (process.env.SHOAL_DEBUG !== undefined) process.stderr.write(`shoal: ignored stray ${String((reason as Error).name)}\n`)
      return
    }
    const message = reason instanceof Error ? (reason.message !== '' ? reason.message : reason.name) : String(reason)
    // The --json contract holds here too: the last line is an `error` event.
    reporter.error('INTERNAL', `unexpected failure: ${message.split('\n')[0]}`)
    if (process.env.SHOAL_DEBUG !== undefined && reason instanceof Error) process.stderr.write(`${reason.stack}\n`)
    process.exit(EXIT_FAILED)
  }
  process.on('unhandledRejection', onStray)
  // The same errors can also be thrown from a callback libp2p queued: yamux sending a window
  // update on a connection that closed meanwhile throws StreamStateError (seen in a 16-peer
  // crowd; js-libp2p-yamux#91). Anything else is a bug: reported as INTERNAL, and the process exits.
  process.on('uncaughtException', onStray)
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(MAIN_HELP + '\n')
    process.exitCode = name === undefined ? EXIT_USAGE : 0
    return
  }
  if (name === '--version' || name === 'version') {
    process.stdout.write(`${packageVersion()}\n`)
    return
  }
  const command = COMMANDS[name]
  if (command === undefined) {
    reporter.error('BAD_ARGUMENT', `unknown command '${name}'; try 'shoal --help'`)
    process.exitCode = EXIT_USAGE
    return
  }
  try {
    const parsed = parse(rest, command.options)
    if (parsed.values.help === true) {
      process.stdout.write(command.help + '\n')
      return
    }
    process.exitCode = await command.run(parsed, reporter)
  } catch (err) {
    if (isShoalError(err)) {
      reporter.error(err.code, err.message)
      process.exitCode = err.code === 'BAD_ARGUMENT' ? EXIT_USAGE : err.code === 'ABORTED' ? EXIT_INTERRUPTED : EXIT_FAILED
    } else {
      const message = err instanceof Error ? err.message : String(err)
      reporter.error('INTERNAL', `unexpected failure: ${message.split('\n')[0]}`)
      if (process.env.SHOAL_DEBUG !== undefined && err instanceof Error) process.stderr.write(`${err.stack}\n`)
      process.exitCode = EXIT_FAILED
    }
  }
  // libp2p can leave timers behind after stop(); the node is stopped and the work done, so exit as
  // soon as stdout is flushed rather than waiting for them.
  process.stdout.write('', () => process.exit())
}
