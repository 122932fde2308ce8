/**
 * The modules a worker keeps after their jobs, so a `map` of many files fetches its module once
 * per worker, not once per file. At most MAX_KEPT_MODULES, least recently used dropped first
 * (stopped serving, files deleted). Inputs are never kept: a worker holds only what it chose to.
 */
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { formatLink } from '../content/link.js'
import type { NodeComponents } from '../node/service.js'
import { MAX_KEPT_MODULES, MODULES_DIR } from './constants.js'

export class ModuleCache {
  /** CID → folder it was downloaded into, least recently used first. */
  private readonly kept = new Map<string, string>()
  /** Fetches under way, so two jobs of one module share one. */
  private readonly fetching = new Map<string, Promise<number>>()

  constructor (private readonly c: NodeComponents, private readonly max = MAX_KEPT_MODULES) {}

  /** Makes sure this node holds module `cid` (fetching it from the swarm and `origins` if not); returns the bytes fetched. */
  async ensure (cid: string, origins: string[], signal: AbortSignal): Promise<number> {
    const dir = this.kept.get(cid)
    if (dir !== undefined) {
      this.kept.delete(cid)
      this.kept.set(cid, dir)
    }
    if (this.c.db.getContent(cid)?.complete === true) return 0
    const running = this.fetching.get(cid)
    if (running !== undefined) return await running.then(() => 0)
    const fetch = this.fetch(cid, origins, signal)
    this.fetching.set(cid, fetch)
    try {
      return await fetch
    } finally {
      this.fetching.delete(cid)
    }
  }

  private async fetch (cid: string, origins: string[], signal: AbortSignal): Promise<number> {
    const target = join(this.c.dataDir, MODULES_DIR, cid)
    await rm(target, { recursive: true, force: true })
    await mkdir(target, { recursive: true })
    const got = await this.c.content.get(formatLink({ cid: CID.parse(cid), peers: origins.map(o => multiaddr(o)) }), { output: target, signal })
    this.kept.set(cid, target)
    while (this.kept.size > this.max) {
      const [oldest, path] = this.kept.entries().next().value as [string, string]
      this.kept.delete(oldest)
      await this.c.content.removeContent(oldest).catch(() => false)
      await rm(path, { recursive: true, force: true }).catch(() => {})
    }
    return got.received
  }
}
