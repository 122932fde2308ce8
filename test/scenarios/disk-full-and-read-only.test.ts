/**
 * The disk: a download into a read-only folder, one declaring more than the disk has free, and one
 * whose disk fills up half-way, each end with a clear error (NO_WRITE_ACCESS, DISK_FULL) and never
 * a file at the output name. The first two fail before a byte is written; the third keeps its
 * hidden partial file, for a resume once there is room. Runs on small tmpfs mounts (needs root;
 * skipped with the reason otherwise). The free-space check is also tested at its limit.
 */
import { describe, test, before, after } from 'node:test'
import * as assert from 'node:assert/strict'
import { mkdtemp, readdir, rm, statfs, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ErrorCode } from '../../src/errors.js'
import { checkFreeSpace } from '../../src/store/disk-space.js'
import { mountTmpfs, tmpfsUnavailable, type Tmpfs } from '../helpers/tmpfs.js'
import { GET_TIMEOUT_MS, KiB, MiB, TEST_TIMEOUT_MS, TestSwarm, writeRandomFile } from '../helpers/swarm.js'

let root = ''
let skip: string | false = 'not probed yet'
const mounts: Tmpfs[] = []

async function tmpfs (name: string, bytes: number, readOnly = false): Promise<Tmpfs> {
  const mounted = await mountTmpfs(join(root, name), bytes, { readOnly })
  if (typeof mounted === 'string') throw new Error(mounted)
  mounts.push(mounted)
  return mounted
}

describe('the disk', () => {
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'shoal-disk-'))
    skip = await tmpfsUnavailable(join(root, 'probe'))
  })
  after(async () => {
    for (const m of mounts.splice(0)) await m.unmount()
    await rm(root, { recursive: true, force: true })
  })

  test('the free-space check at its limit: exactly the free space passes, one byte more is DISK_FULL', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    if (skip !== false) return t.skip(skip)
    const fs = await tmpfs('limit', 1 * MiB)
    const free = Number((await statfs(fs.path)).bavail) * Number((await statfs(fs.path)).bsize)
    await checkFreeSpace(fs.path, join(fs.path, '.x.shoal-partial'), free)
    await assert.rejects(checkFreeSpace(fs.path, join(fs.path, '.x.shoal-partial'), free + 1), { code: ErrorCode.DiskFull })
    // What a partial download already holds counts as its own.
    await writeFile(join(fs.path, '.x.shoal-partial'), new Uint8Array(256 * KiB))
    await checkFreeSpace(fs.path, join(fs.path, '.x.shoal-partial'), free)
  })

  test('read-only folder: NO_WRITE_ACCESS before anything is written', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    if (skip !== false) return t.skip(skip)
    const swarm = new TestSwarm()
    t.after(async () => await swarm.cleanup())
    const path = join(await swarm.dir('source'), 'a.bin')
    await writeRandomFile(path, 100 * KiB)
    const seeder = await swarm.node('seeder')
    const shared = await seeder.share(path)
    const fs = await tmpfs('readonly', 1 * MiB, true)
    const leecher = await swarm.node('leecher')
    await assert.rejects(leecher.get(shared.link, { output: fs.path, timeoutMs: GET_TIMEOUT_MS }), { code: ErrorCode.NoWriteAccess })
    assert.deepEqual(await readdir(fs.path), [])
  })

  test('more than the disk has free: DISK_FULL before anything is written', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    if (skip !== false) return t.skip(skip)
    const swarm = new TestSwarm()
    t.after(async () => await swarm.cleanup())
    const path = join(await swarm.dir('source'), 'big.bin')
    await writeRandomFile(path, 3 * MiB)
    const seeder = await swarm.node('seeder')
    const shared = await seeder.share(path)
    const fs = await tmpfs('small', 2 * MiB)
    const leecher = await swarm.node('leecher')
    await assert.rejects(leecher.get(shared.link, { output: fs.path, timeoutMs: GET_TIMEOUT_MS }),
      (err: any) => err.code === ErrorCode.DiskFull && err.message.includes(fs.path))
    assert.deepEqual(await readdir(fs.path), [], 'something was allocated')
  })

  test('the disk fills up mid-download: DISK_FULL, nothing at the output name, the partial kept for a resume', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    if (skip !== false) return t.skip(skip)
    const swarm = new TestSwarm()
    t.after(async () => await swarm.cleanup())
    const path = join(await swarm.dir('source'), 'movie.mkv')
    await writeRandomFile(path, 3 * MiB)
    const seeder = await swarm.node('seeder', { uploadLimit: 1 * MiB })
    const shared = await seeder.share(path)
    const fs = await tmpfs('filling', 4 * MiB)
    const leecher = await swarm.node('leecher')
    let filled = false
    await assert.rejects(leecher.get(shared.link, {
      output: fs.path,
      timeoutMs: GET_TIMEOUT_MS,
      onProgress: p => {
        // Once pieces flow, something else takes the rest of the disk.
        if (!filled && p.piecesDone > 0) {
          filled = true
          void writeFile(join(fs.path, 'other-program.tmp'), new Uint8Array(4 * MiB)).catch(() => {})
        }
      }
    }), (err: any) => err.code === ErrorCode.DiskFull)
    assert.ok(filled, 'the disk was never filled: the scenario did not happen')
    const names = await readdir(fs.path)
    assert.ok(!names.includes('movie.mkv'), `an incomplete file at the output name: ${names.join(', ')}`)
    assert.ok(names.includes('.movie.mkv.shoal-partial'), `the partial file is gone: ${names.join(', ')}`)
  })
})
