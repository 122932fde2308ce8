/**
 * A worker's view of a job's contents: read from disk when the node already has them (next to the
 * data: nothing moves), else fetched with an ordinary `get` from the swarm and the job's origins.
 */
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { formatLink } from '../content/link.js'
import type { NodeComponents } from '../node/service.js'
import { ErrorCode, ShoalError } from '../errors.js'
import { MAX_INPUT_BYTES } from './constants.js'

export type Tree = Array<[string, Uint8Array]>

export interface FetchedTree { tree: Tree, movedBytes: number }

export class JobInputs {
  private total = 0
  private readonly temps: string[] = []
  private readonly fetched: string[] = []

  constructor (private readonly c: NodeComponents, private readonly origins: string[], private readonly signal: AbortSignal) {}

  /** The files of content `cid`, relative path → bytes, sorted by path. */
  async tree (cid: string): Promise<FetchedTree> {
    const local = this.c.db.getContent(cid)
    if (local?.complete === true) return { tree: await this.read(local.path), movedBytes: 0 }
    const dir = await mkdtemp(join(this.c.dataDir, 'compute-fetch-'))
    this.temps.push(dir)
    const link = formatLink({ cid: CID.parse(cid), peers: this.origins.map(o => multiaddr(o)) })
    const got = await this.c.content.get(link, { output: dir, signal: this.signal })
    this.fetched.push(cid)
    return { tree: await this.read(got.path), movedBytes: got.received }
  }

  /** Removes what was fetched for this job only (it is not kept as a share). */
  async close (): Promise<void> {
    for (const cid of this.fetched) await this.c.content.removeContent(cid).catch(() => false)
    for (const dir of this.temps) await rm(dir, { recursive: true, force: true }).catch(() => {})
  }

  private async read (root: string): Promise<Tree> {
    const info = await stat(root)
    const out: Tree = []
    if (info.isFile()) out.push([basename(root), await this.load(root)])
    else await this.walk(root, '', out)
    return out.sort((a, b) => a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)
  }

  private async walk (dir: string, prefix: string, out: Tree): Promise<void> {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`
      if (entry.isDirectory()) await this.walk(path, rel, out)
      else if (entry.isFile()) out.push([rel, await this.load(path)])
    }
  }

  private async load (path: string): Promise<Uint8Array> {
    const size = (await stat(path)).size
    this.total += size
    if (this.total > MAX_INPUT_BYTES) throw new ShoalError(ErrorCode.BadArgument, `job inputs are over ${MAX_INPUT_BYTES} bytes`)
    return new Uint8Array(await readFile(path))
  }
}
