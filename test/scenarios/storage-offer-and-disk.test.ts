/**
 * An offer larger than the disk: the volunteer warns when it starts, offers no more than the disk
 * has free, and refuses (FULL) a content that would not fit, whatever its offer says. The data
 * directory is on a small tmpfs (root; skipped with the reason otherwise).
 */
import { test, before, after } from 'node:test'
import * as assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { StoreRequest } from '../../src/storage/messages.js'
import { STORAGE_SERVICE, type StorageService } from '../../src/storage/service.js'
import { signRequest } from '../../src/storage/signing.js'
import { askStore } from '../../src/storage/store-stream.js'
import { mountTmpfs, tmpfsUnavailable, type Tmpfs } from '../helpers/tmpfs.js'
import { MiB, TestSwarm, writeRandomFile } from '../helpers/swarm.js'

let root = ''
let skip: string | false = 'not probed yet'
let disk: Tmpfs | undefined

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'shoal-offer-'))
  skip = await tmpfsUnavailable(join(root, 'probe'))
  if (skip !== false) return
  const mounted = await mountTmpfs(join(root, 'disk'), 8 * MiB)
  if (typeof mounted === 'string') skip = mounted
  else disk = mounted
})

after(async () => {
  await disk?.unmount()
  await rm(root, { recursive: true, force: true })
})

test('an offer beyond the free disk: warned, clipped to the disk, FULL for what does not fit', { timeout: 120_000 }, async (t) => {
  if (skip !== false || disk === undefined) return t.skip(skip === false ? 'no tmpfs' : skip)
  const swarm = new TestSwarm()
  t.after(async () => await swarm.cleanup())
  const warnings: string[] = []
  const volunteer = await swarm.node('volunteer', { dataDir: join(disk.path, 'data'), storage: { offerBytes: 1024 * MiB, ownerShare: 1 } }, { warning: w => warnings.push(w) })
  assert.ok(warnings.some(w => /larger than the free disk space/.test(w)), warnings.join('\n'))
  const owner = await swarm.node('owner')
  await owner.connect(volunteer.addrs()[0]!)
  const libp2p = (owner as any).libp2p
  const offered = await askStore(libp2p, volunteer.peerId, { type: 'offer' }, AbortSignal.timeout(10_000))
  assert.equal(offered.type, 'offered')
  assert.ok(offered.type === 'offered' && offered.freeBytes < 8 * MiB, 'no more than the disk has free')

  const source = join(await swarm.dir('source'), 'big.bin')
  await writeRandomFile(source, 20 * MiB)
  const shared = await owner.share(source, { secret: true })
  const request = await signRequest<StoreRequest>({ type: 'store', cid: shared.cid, bytes: shared.bytes, leaseMs: 60_000, origins: owner.addrs(), to: volunteer.peerId }, (owner as any).privateKey)
  const answer = await askStore(libp2p, volunteer.peerId, request, AbortSignal.timeout(10_000))
  assert.equal(answer.type, 'refused')
  assert.ok(answer.type === 'refused' && answer.reason === 'FULL' && /disk/.test(answer.message), JSON.stringify(answer))
  assert.equal(volunteer.service<StorageService>(STORAGE_SERVICE)!.status().held.length, 0)
})
