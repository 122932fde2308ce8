/**
 * Processing sharing through the daemon's API: POST /api/v1/jobs starts a run on workers (a path
 * on the daemon's machine is shared first), GET /api/v1/jobs/{id} follows it to the agreed result
 * with the progress events of `shoal run --json`, GET /api/v1/compute lists it, and /metrics
 * counts it.
 */
import { test } from 'node:test'
import { strict as assert } from 'node:assert'
import { createHash, randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startDaemon } from '../helpers/daemon.js'
import { TestSwarm, waitFor } from '../helpers/swarm.js'
import { COMPUTE_SERVICE, type ComputeService } from '../../src/compute/service.js'

const SHA256SUM = fileURLToPath(new URL('../../../examples/jobs/sha256sum.wasm', import.meta.url))

test('a run started over the API reaches its agreed result, is listed and counted', { timeout: 120_000 }, async (t) => {
  const swarm = new TestSwarm()
  const d = await startDaemon(swarm, 'daemon')
  t.after(async () => { await d.daemon.stop(); await swarm.cleanup() })
  const workers = await Promise.all(['a1', 'a2'].map(async n => await swarm.node(n, { compute: { slots: 1 } })))
  const daemonAddr = (await d.json('/api/v1/node')).addrs[0] as string
  for (const w of workers) await w.connect(daemonAddr)
  const dir = await swarm.dir('input')
  const data = randomBytes(30_000)
  await writeFile(join(dir, 'data.bin'), data)
  const out = await swarm.dir('out')

  const started = await d.json('/api/v1/jobs', { method: 'POST', body: JSON.stringify({ module: SHA256SUM, inputs: [join(dir, 'data.bin')], args: ['sha256sum'], replicas: 2, memoryMiB: 16, timeoutS: 30, sameNetworkOk: true, output: out }) })
  assert.equal(started.state, 'running')
  let run: any
  await waitFor('the run to end', async () => {
    run = await d.json(`/api/v1/jobs/${started.id as string}`)
    return run.state !== 'running'
  }, 90_000)
  assert.equal(run.state, 'done', JSON.stringify(run.error))
  assert.equal(run.result.agreed, 2)
  assert.deepEqual([...run.result.workers].sort(), workers.map(w => w.peerId).sort())
  assert.equal(await readFile(join(run.result.path, 'SHA256SUMS'), 'utf8'), `${createHash('sha256').update(data).digest('hex')}  data.bin\n`)
  assert.deepEqual(run.events.filter((e: any) => e.event === 'commit').map((e: any) => e.commits), [1, 2])
  assert.ok(run.events.some((e: any) => e.event === 'quorum'))

  const status = await d.json('/api/v1/compute')
  assert.equal(status.worker, false)
  assert.equal(status.runs[0].id, started.id)
  assert.equal(status.counters.runs.agreed, 1)
  assert.equal((await d.json('/api/v1/jobs')).jobs.length, 1)
  assert.equal((await d.call('/api/v1/jobs/nope')).status, 404)
  assert.equal((await d.call('/api/v1/jobs', { method: 'POST', body: JSON.stringify({ module: 'relative/path.wasm' }) })).status, 400)

  const metrics = await (await d.call('/metrics')).text()
  assert.match(metrics, /^shoal_compute_runs_total\{outcome="agreed"\} 1$/m)
  assert.match(metrics, /^shoal_compute_runs_total\{outcome="no_quorum"\} 0$/m)
  assert.match(metrics, /^shoal_compute_quorum_splits_total 0$/m)
  const served = workers.map(w => w.service<ComputeService>(COMPUTE_SERVICE)!.status().counters)
  assert.deepEqual(served.map(c => c.served.revealed), [1, 1], 'each worker counted the job it served')
  assert.ok(served.every(c => c.cpuSeconds > 0))
})
