/**
 * Helpers for scenario tests: real Shoal nodes on loopback (no mDNS), each with its own data dir
 * in a temp folder, and random test data compared by SHA-256. A `TestSwarm` owns every node and
 * folder it made; `cleanup()` stops and removes them all, whatever state they are in.
 */
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, mkdtemp, open, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, relative, sep } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { formatLink } from '../../src/content/link.js'
import type { ShoalLibp2p } from '../../src/net/libp2p.js'
import { createNode, type NodeEvents, type NodeOptions, type ShoalNode } from '../../src/node/node.js'
import type { DownloadResult } from '../../src/swarm/requester/download.js'

/** Every node listens here and only here: loopback, a port chosen by the OS. */
export const LOOPBACK = '/ip4/127.0.0.1/tcp/0'
/** Upper bound for one scenario test. */
export const TEST_TIMEOUT_MS = 60_000
/** `get` gives up when nothing arrives for this long, so a broken build fails instead of hanging. */
export const GET_TIMEOUT_MS = 30_000
export const KiB = 1024
export const MiB = 1024 * KiB

export class TestSwarm {
  private readonly nodes = new Set<ShoalNode>()
  private readonly dirs: string[] = []
  private root?: string

  /** `<root>/<name>` (created if missing), where root is this swarm's own folder under os.tmpdir(). */
  async dir (name: string): Promise<string> {
    if (this.root === undefined) {
      this.root = await mkdtemp(join(tmpdir(), 'shoal-scenario-'))
      this.dirs.push(this.root)
    }
    const path = join(this.root, name)
    await mkdir(path, { recursive: true })
    return path
  }

  /** Starts a node on loopback with mDNS off; its data dir is `<root>/nodes/<name>` unless given. */
  async node (name: string, options: Omit<NodeOptions, 'listen' | 'mdns'> = {}, events: NodeEvents = {}): Promise<ShoalNode> {
    const dataDir = options.dataDir ?? await this.dir(join('nodes', name))
    const node = await createNode({ ...options, dataDir, listen: [LOOPBACK], mdns: false }, events)
    this.nodes.add(node)
    return node
  }

  /** Stops every node, then removes every folder. Never throws. */
  async cleanup (): Promise<void> {
    await Promise.all([...this.nodes].map(async node => await node.stop().catch(() => {})))
    this.nodes.clear()
    for (const dir of this.dirs.splice(0)) await rm(dir, { recursive: true, force: true }).catch(() => {})
  }
}

/** A link to `cid` carrying every address of every given node (loopback only here). */
export function linkVia (cid: string, nodes: Array<{ addrs: () => string[] }>): string {
  return formatLink({ cid: CID.parse(cid), peers: nodes.flatMap(n => n.addrs()).map(a => multiaddr(a)) })
}

/** Writes `size` random bytes to `path` (creating its folder); returns their SHA-256 in hex. */
export async function writeRandomFile (path: string, size: number): Promise<string> {
  await mkdir(dirname(path), { recursive: true })
  const hash = createHash('sha256')
  const handle = await open(path, 'w')
  try {
    for (let written = 0; written < size;) {
      const chunk = randomBytes(Math.min(MiB, size - written))
      hash.update(chunk)
      await handle.write(chunk)
      written += chunk.byteLength
    }
  } finally {
    await handle.close()
  }
  return hash.digest('hex')
}

/** Writes a tree of random files: `{ 'a/b.bin': 100 }`; returns relative path → SHA-256. */
export async function writeRandomTree (root: string, sizes: Record<string, number>): Promise<Map<string, string>> {
  const hashes = new Map<string, string>()
  for (const [path, size] of Object.entries(sizes)) {
    hashes.set(path, await writeRandomFile(join(root, ...path.split('/')), size))
  }
  return hashes
}

export async function hashFile (path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** Every regular file under `root`: relative `/`-separated path → SHA-256. Hidden partial files count too. */
export async function hashTree (root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) await walk(path)
      else out.set(relative(root, path).split(sep).join('/'), await hashFile(path))
    }
  }
  await walk(root)
  return new Map([...out].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0))
}

export async function fileSize (path: string): Promise<number> {
  return (await stat(path)).size
}

/** Bytes each node served to a download, by node name (0 for a node that gave nothing). */
export function servedBy (result: DownloadResult, nodes: Record<string, ShoalNode>): Record<string, number> {
  return Object.fromEntries(Object.entries(nodes).map(([name, node]) => [name, result.peers[node.peerId] ?? 0]))
}

/** Sum of the bytes a download attributes to its sources. */
export function attributed (result: DownloadResult): number {
  return Object.values(result.peers).reduce((sum, n) => sum + n, 0)
}

/**
 * The providers of `cid` that `node` finds in the DHT (a provider-record lookup only, no peer
 * routing). Reaches into the node's libp2p, which ShoalNode keeps private: tests only.
 */
export async function dhtProviders (node: ShoalNode, cid: string, timeoutMs = 15_000): Promise<string[]> {
  const libp2p = (node as unknown as { libp2p: ShoalLibp2p }).libp2p
  const found: string[] = []
  for await (const peer of libp2p.contentRouting.findProviders(CID.parse(cid), { signal: AbortSignal.timeout(timeoutMs) })) {
    found.push(peer.id.toString())
  }
  return found
}

/** Polls `predicate` every 50 ms until it is true; throws after `timeoutMs`. */
export async function waitFor (what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}
