/**
 * The example jobs (examples/jobs/) run as the README shows: `shoal run <job>.wasm --input <folder>`
 * on a quorum of three workers on loopback. Their results are checked against counts and SHA-256
 * digests computed here (node:crypto), byte for byte; the shipped .wasm files are what their .wat
 * sources assemble to.
 */
import { test } from 'node:test'
import { strict as assert } from 'node:assert'
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { assertSuccess, Harness, jsonEvents, show } from './harness.js'
import { TestSwarm } from '../helpers/swarm.js'

const JOBS = fileURLToPath(new URL('../../../examples/jobs/', import.meta.url))
const wabtInit = (await import('wabt' as string)).default as () => Promise<{ parseWat: (name: string, text: string) => { toBinary: (o: object) => { buffer: Uint8Array } } }>

/** A small library: text with runs of every kind of white space, a nested folder, an empty file, binary bytes. */
function books (): Map<string, Uint8Array> {
  const words = ['sea', 'shoal', 'fish', 'déjà', 'vu', 'tide', '\u00a0nbsp']
  const text = (n: number, seed: number): string => {
    let out = ''
    for (let i = 0; i < n; i++) out += words[(i * 31 + seed) % words.length]! + [' ', '  ', '\n', '\t', '\r\n', '\v', '\f'][(i * 7 + seed) % 7]!
    return out
  }
  const enc = (s: string): Uint8Array => new TextEncoder().encode(s)
  return new Map<string, Uint8Array>([
    ['moby-dick.txt', enc(text(30_000, 1))],
    ['odyssey.txt', enc(text(12_345, 2))],
    ['empty', new Uint8Array()],
    ['poems/haiku.md', enc('an old silent pond\na frog jumps into the pond\nsplash! silence again\n')],
    ['poems/deep/noise.bin', randomBytes(70_001)],
    ['z', enc('   no newline at the end')]
  ])
}

/** The order a job walks its input: each folder's entries sorted by name (as the runner lists them). */
function walkOrder (paths: string[]): string[] {
  type Dir = Map<string, Dir | null>
  const root: Dir = new Map()
  for (const path of [...paths].sort()) {
    const parts = path.split('/')
    let dir = root
    for (const part of parts.slice(0, -1)) {
      if (!dir.has(part)) dir.set(part, new Map())
      dir = dir.get(part)!
    }
    dir.set(parts.at(-1)!, null)
  }
  const out: string[] = []
  const visit = (dir: Dir, prefix: string): void => {
    for (const [name, sub] of dir) sub === null ? out.push(prefix + name) : visit(sub, `${prefix}${name}/`)
  }
  visit(root, '')
  return out
}

function wc (bytes: Uint8Array): [number, number, number] {
  let lines = 0
  let words = 0
  let inWord = false
  for (const b of bytes) {
    if (b === 10) lines++
    const space = b === 32 || (b >= 9 && b <= 13)
    if (!space && !inWord) words++
    inWord = !space
  }
  return [lines, words, bytes.byteLength]
}

test('the example jobs assemble from their sources to the shipped .wasm', async () => {
  const wabt = await wabtInit()
  for (const name of ['wordcount', 'sha256sum']) {
    const built = wabt.parseWat(`${name}.wat`, await readFile(join(JOBS, `${name}.wat`), 'utf8')).toBinary({}).buffer
    assert.deepEqual(new Uint8Array(await readFile(join(JOBS, `${name}.wasm`))), new Uint8Array(built), `${name}.wasm is stale: npm run build:jobs`)
  }
})

test('shoal run of the example jobs: three workers agree, and the results equal counts and digests computed here', { timeout: 180_000 }, async (t) => {
  const swarm = new TestSwarm()
  const cli = new Harness()
  await cli.setup()
  t.after(async () => { await cli.cleanup(); await swarm.cleanup() })
  const workers = await Promise.all(['w1', 'w2', 'w3'].map(async name => await swarm.node(name, { compute: { slots: 1 } })))
  const library = books()
  const dir = join(await cli.dir('books'), 'books')
  for (const [path, bytes] of library) {
    await mkdir(dirname(join(dir, path)), { recursive: true })
    await writeFile(join(dir, path), bytes)
  }
  const order = walkOrder([...library.keys()])
  const bootstrap = workers.flatMap(w => ['--bootstrap', w.addrs()[0]!])

  const run = async (job: string): Promise<{ files: string, result: Record<string, unknown>, events: Array<Record<string, unknown>> }> => {
    const out = await cli.dir(`out-${job}`)
    const result = await cli.run(['run', join(JOBS, `${job}.wasm`), '--input', dir, '--replicas', '3', '--same-network-ok', '--memory', '32M', '--timeout', '30s', '-o', out, '--json', ...cli.net(), ...bootstrap], 120_000)
    assertSuccess(result)
    const events = jsonEvents(result)
    const done = events.find(e => e.event === 'result')
    assert.ok(done !== undefined, show(result))
    assert.equal(done.agreed, 3, show(result))
    assert.equal(done.of, 3)
    assert.equal(new Set(done.workers as string[]).size, 3, 'three distinct workers')
    assert.deepEqual([...(done.workers as string[])].sort(), workers.map(w => w.peerId).sort())
    assert.equal(done.cached, false)
    // Progress, in order: the job, workers found, the job sent to each, three commitments before any reveal, the quorum, the result.
    const names = events.map(e => e.event)
    assert.equal(events[0]?.event, 'job', show(result))
    assert.equal(events[0]?.job, done.job)
    assert.ok((events.find(e => e.event === 'workers')?.found as number) >= 3)
    assert.equal(names.filter(n => n === 'job-sent').length, 3)
    assert.deepEqual(events.filter(e => e.event === 'commit').map(e => e.commits), [1, 2, 3])
    assert.deepEqual(events.filter(e => e.event === 'reveal').map(e => e.reveals), [1, 2, 3])
    assert.ok(names.lastIndexOf('commit') < names.indexOf('reveal'), 'every replica committed before any revealed')
    assert.ok(events.filter(e => e.event === 'reveal').every(e => e.result === done.result))
    assert.deepEqual(events.find(e => e.event === 'quorum'), { event: 'quorum', result: done.result, agreed: 3, of: 3 })
    assert.equal(names.at(-1), 'result')
    return { files: done.path as string, result: done, events }
  }

  const counted = await run('wordcount')
  const totals = [0, 0, 0]
  let expected = ''
  for (const path of order) {
    const c = wc(library.get(path)!)
    c.forEach((v, i) => { totals[i]! += v })
    expected += `${c.join(' ')} ${path}\n`
  }
  expected += `${totals.join(' ')} total\n`
  assert.equal(await readFile(join(counted.files, 'wordcount.txt'), 'utf8'), expected)

  const summed = await run('sha256sum')
  const sums = order.map(path => `${createHash('sha256').update(library.get(path)!).digest('hex')}  ${path}\n`).join('')
  assert.equal(await readFile(join(summed.files, 'SHA256SUMS'), 'utf8'), sums)
  assert.notEqual(summed.result.result, counted.result.result)

  // shoal map: one job per file of the folder, each result in out/<path>/SHA256SUMS, a map-file event per file and a summary.
  const mapOut = join(await cli.dir('map'), 'sums')
  const mapped = await cli.run(['map', join(JOBS, 'sha256sum.wasm'), dir, '--replicas', '2', '--same-network-ok', '--memory', '32M', '-o', mapOut, '--json', ...cli.net(), ...bootstrap], 120_000)
  assertSuccess(mapped)
  const mapEvents = jsonEvents(mapped)
  const perFile = mapEvents.filter(e => e.event === 'map-file')
  assert.deepEqual(perFile.map(e => e.path).sort(), [...library.keys()].sort(), show(mapped))
  assert.ok(perFile.every(e => e.agreed === 2 && e.of === 2 && e.error === undefined))
  const summary = mapEvents.at(-1)!
  assert.equal(summary.event, 'map')
  assert.equal(summary.files, library.size)
  assert.equal(summary.agreed, library.size)
  assert.equal(summary.failed, 0)
  assert.ok((summary.moved as number) > 0, 'the data lived only on the requester, so it moved')
  for (const [path, bytes] of library) {
    assert.equal(await readFile(join(mapOut, ...path.split('/'), 'SHA256SUMS'), 'utf8'), `${createHash('sha256').update(bytes).digest('hex')}  ${path}\n`, path)
  }
})
