/**
 * Where `map` places its jobs (compute/map.ts), with the quorum run replaced by a recorder: with
 * data-local placement each job goes first to workers holding the dataset; with `locality: false`
 * to any idle worker, holders or not.
 */
import { test } from 'node:test'
import { strict as assert } from 'node:assert'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { manifestCid } from '../../src/content/manifest.js'
import { mapDataset } from '../../src/compute/map.js'
import type { NodeComponents } from '../../src/node/service.js'

const HOLDERS = ['h1', 'h2']
const WORKERS = ['w1', 'h1', 'w2', 'h2']

async function placements (locality: boolean | undefined): Promise<string[][]> {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-map-placement-'))
  try {
    const cid = manifestCid(new TextEncoder().encode('dataset'))
    const files = Array.from({ length: 6 }, (_, i) => ({ path: `f${i}.bin`, size: 10 }))
    const c = {
      signal: new AbortController().signal,
      content: {
        contentOf: () => ({ manifest: { kind: 'dir', name: 'dataset', files } }),
        removeContent: async () => true
      },
      libp2p: { contentRouting: { findProviders: async function * () { for (const id of HOLDERS) yield { id: { toString: () => id } } } } }
    } as unknown as NodeComponents
    const chosen: string[][] = []
    let n = 0
    const run = async (_spec: unknown, o: { candidates?: string[], output?: string, replicas?: number }): Promise<any> => {
      const workers = o.candidates!.slice(0, o.replicas)
      chosen.push(workers)
      const path = join(o.output!, 'out')
      await mkdir(path, { recursive: true })
      await writeFile(join(path, 'r'), String(n++))
      return { job: `job-${n}`, result: cid.toString(), agreed: 2, of: 2, workers: workers.map(peerId => ({ peerId, moved: HOLDERS.includes(peerId) ? 0 : 10 })), dissenters: [], cached: false, path }
    }
    const module = cid.toString()
    const r = await mapDataset(c, run as any, async () => WORKERS, { module }, cid.toString(), { replicas: 2, output: join(dir, 'out'), locality })
    assert.equal(r.agreed, files.length)
    assert.equal(r.holders, HOLDERS.length, 'the holders are counted either way')
    return chosen
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

test('map places every job on the workers holding the dataset first', async () => {
  const chosen = await placements(undefined)
  assert.ok(chosen.every(ws => ws.every(w => HOLDERS.includes(w))), JSON.stringify(chosen))
})

test('map with locality off places jobs on any idle worker, so workers without the data take some', async () => {
  const chosen = await placements(false)
  assert.ok(chosen.some(ws => ws.some(w => !HOLDERS.includes(w))), JSON.stringify(chosen))
})
