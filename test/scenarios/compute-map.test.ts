/**
 * `map` over a 20-file content seeded by four workers (a fifth worker does not hold it): one job
 * per file, each agreed by 2 workers holding the data (two jobs at a time), so no input byte moves (only the module
 * travels); every result equals a SHA-256 computed here, byte for byte. A second map of the same
 * dataset, by another node, resolves every job from the published results: nothing runs.
 */
import { test } from 'node:test'
import { strict as assert } from 'node:assert'
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { COMPUTE_SERVICE, type ComputeService } from '../../src/compute/service.js'
import type { ShoalNode } from '../../src/node/node.js'
import { linkVia, TestSwarm } from '../helpers/swarm.js'

const SHA256SUM = fileURLToPath(new URL('../../../examples/jobs/sha256sum.wasm', import.meta.url))
const compute = (node: ShoalNode): ComputeService => node.service<ComputeService>(COMPUTE_SERVICE)!

test('map runs a job per file where the data is: 20 agreed results, no input bytes moved, then all from the cache', { timeout: 240_000 }, async (t) => {
  const swarm = new TestSwarm()
  t.after(async () => await swarm.cleanup())
  const holders = await Promise.all(['h1', 'h2', 'h3', 'h4'].map(async n => await swarm.node(n, { compute: { slots: 1 } })))
  const outsider = await swarm.node('w5', { compute: { slots: 1 } })
  const requester = await swarm.node('requester')
  const later = await swarm.node('later')
  const everyone = [...holders, outsider, requester, later]
  for (const a of everyone) for (const b of everyone) if (a.peerId < b.peerId) await a.connect(b.addrs()[0]!)

  const dataset = join(await swarm.dir('data'), 'dataset')
  const files = new Map<string, Buffer>()
  for (let i = 0; i < 20; i++) {
    const path = i < 12 ? `part-${String(i).padStart(2, '0')}.bin` : `nested/${i % 2 === 0 ? 'even' : 'odd'}/file-${i}.dat`
    const bytes = randomBytes(1 + (i * 7919) % 60_000)
    files.set(path, bytes)
    await mkdir(dirname(join(dataset, path)), { recursive: true })
    await writeFile(join(dataset, path), bytes)
  }
  const shared = await holders[0]!.share(dataset)
  for (const h of holders.slice(1)) await h.get(linkVia(shared.cid, [holders[0]!]), { output: await swarm.dir(`copy-${h.peerId.slice(-6)}`) })

  const module = await requester.share(SHA256SUM)
  const out = await swarm.dir('sums')
  const done: string[] = []
  const mapped = await compute(requester).map({ module: module.cid, args: ['sha256sum'], limits: { memoryMiB: 16, timeoutS: 30, outputMiB: 1 } }, linkVia(shared.cid, [holders[0]!]), {
    replicas: 2, output: out, sameNetworkOk: true, onFile: o => done.push(o.path)
  })
  assert.equal(mapped.files, 20)
  assert.equal(mapped.holders, 4, 'the four seeders were found as holders')
  assert.equal(mapped.agreed, 20, JSON.stringify(mapped.results.filter(r => r.error !== undefined)))
  assert.equal(mapped.failed, 0)
  assert.equal(mapped.cached, 0)
  // A job moves its input only when a holder fails it (on a loaded machine a holder can time out)
  // and a worker without the data takes its place: then that file's bytes move to it.
  const isHolder = (w: string): boolean => holders.some(h => h.peerId === w)
  const elsewhere = mapped.results.filter(r => !r.workers!.every(isHolder))
  assert.ok(elsewhere.length <= 2, `${elsewhere.length} of 20 jobs ran away from the data: ${JSON.stringify(elsewhere)}`)
  const movedFor = elsewhere.reduce((n, r) => n + r.size, 0)
  if (elsewhere.length === 0) assert.equal(mapped.movedBytes, 0, 'no input byte moved: every job ran on workers holding the data')
  else assert.ok(mapped.movedBytes >= movedFor, `input bytes moved only for the jobs a worker without the data ran (${mapped.movedBytes} for ${movedFor})`)
  assert.deepEqual([...done].sort(), [...files.keys()].sort())
  for (const [path, bytes] of files) {
    const sums = await readFile(join(out, ...path.split('/'), 'SHA256SUMS'), 'utf8')
    assert.equal(sums, `${createHash('sha256').update(bytes).digest('hex')}  ${path}\n`, path)
  }
  assert.ok(mapped.results.every(r => r.agreed === 2), 'each agreed 2/2')
  const servedBy = (node: ShoalNode): ReturnType<ComputeService['status']>['served'] => compute(node).status().served
  assert.equal(servedBy(outsider).filter(s => s.state === 'revealed').length, elsewhere.length, 'the worker without the data ran only the jobs a holder failed')
  const served = holders.flatMap(servedBy)
  const holderRuns = served.filter(s => s.state === 'revealed').length
  assert.equal(holderRuns, 40 - elsewhere.length)
  assert.ok(served.every(s => s.inputMovedBytes === 0), 'workers read their inputs from their own copies')
  assert.ok(served.some(s => s.movedBytes > 0), 'only the module travelled')
  assert.deepEqual((await readdir(out)).sort(), ['nested', ...[...files.keys()].filter(p => !p.includes('/'))].sort(), 'one entry per input file, no staging left')

  const ranBefore = [...holders, outsider].flatMap(servedBy).length
  // Another node maps the same dataset: every job is found in the DHT, nothing runs.
  const again = await compute(later).map({ module: module.cid, args: ['sha256sum'], limits: { memoryMiB: 16, timeoutS: 30, outputMiB: 1 } }, shared.cid, {
    replicas: 2, output: await swarm.dir('sums-again'), sameNetworkOk: true
  })
  assert.equal(again.agreed, 20)
  assert.equal(again.cached, 20, 'every job resolved from the published results')
  assert.equal([...holders, outsider].flatMap(servedBy).length, ranBefore, 'no job ran again')
  for (const [path, bytes] of files) {
    assert.equal(await readFile(join(again.output, ...path.split('/'), 'SHA256SUMS'), 'utf8'), `${createHash('sha256').update(bytes).digest('hex')}  ${path}\n`)
  }
})
