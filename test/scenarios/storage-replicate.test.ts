/**
 * Storage sharing with real nodes on loopback: five volunteers, an owner replicates 20 MiB with
 * three copies; three distinct holders hold it whole, blind; the owner stops and a fresh node gets
 * the link from the holders alone, byte-identical.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { open, readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { ShoalNode } from '../../src/node/node.js'
import { STORAGE_SERVICE, type StorageService } from '../../src/storage/service.js'
import { allocatedBytes } from '../../src/store/disk-space.js'
import { GET_TIMEOUT_MS, hashFile, MiB, TestSwarm, writeRandomFile } from '../helpers/swarm.js'

const SIZE = 20 * MiB
const FILE = 'tax-return-2026.pdf'
const FAST = { auditIntervalMs: 1_000, repairAfterMs: 2_000 }

export function storageOf (node: ShoalNode): StorageService {
  const service = node.service<StorageService>(STORAGE_SERVICE)
  assert.ok(service !== undefined)
  return service
}

async function filesUnder (root: string): Promise<string[]> {
  const out: string[] = []
  for (const name of await readdir(root, { recursive: true })) {
    // A running node renames its book's .tmp file into place: one gone since readdir is not a file.
    const info = await stat(join(root, name)).catch((err: NodeJS.ErrnoException) => { if (err.code === 'ENOENT') return undefined; throw err })
    if (info?.isFile() === true) out.push(join(root, name))
  }
  return out
}

test('five volunteers, replicate --copies 3: three holders hold it blind; the owner leaves; a fresh node gets it', { timeout: 180_000 }, async (t) => {
  const swarm = new TestSwarm()
  t.after(async () => await swarm.cleanup())
  const volunteers: ShoalNode[] = []
  for (let i = 0; i < 5; i++) volunteers.push(await swarm.node(`volunteer-${i}`, { storage: { offerBytes: 200 * MiB, ownerShare: 0.5, ...FAST } }))
  const owner = await swarm.node('owner', { storage: FAST })
  for (const v of volunteers) await owner.connect(v.addrs()[0]!)

  const source = join(await swarm.dir('source'), FILE)
  const marker = `marker-${randomBytes(16).toString('hex')}`
  await writeRandomFile(source, SIZE)
  const handle = await open(source, 'r+')
  await handle.write(Buffer.from(marker), 0, marker.length, 12_345)
  await handle.close()
  const sourceHash = await hashFile(source)

  const { replication, link } = await storageOf(owner).replicate(source, { copies: 3, sameNetworkOk: true })
  assert.match(link, /#k=/)
  const held = replication.holders.filter(h => h.state === 'held')
  assert.equal(held.length, 3, 'three holders hold it')
  assert.equal(new Set(held.map(h => h.peerId)).size, 3, 'on three distinct peers')
  for (const h of held) {
    assert.ok(h.lastAudit?.ok === true, 'each passed an audit with real bytes')
    assert.ok(h.expiresAt > Date.now() + 29 * 24 * 3600_000, 'under a 30-day lease')
    const volunteer = volunteers.find(v => v.peerId === h.peerId)!
    const used = await allocatedBytes(join(volunteer.dataDir, 'held'))
    assert.ok(used >= SIZE && used < SIZE * 1.1, `holder keeps about 20 MiB (${used})`)
    const info = storageOf(volunteer).status()
    assert.equal(info.held.length, 1)
    assert.equal(info.held[0]!.owner, owner.peerId)
    assert.equal(info.held[0]!.state, 'held')
  }

  await owner.stop()
  const fresh = await swarm.node('fresh')
  for (const v of volunteers) await fresh.connect(v.addrs()[0]!)
  const result = await fresh.get(link.replace(/\?[^#]*/, ''), { output: await swarm.dir('out'), timeoutMs: GET_TIMEOUT_MS })
  assert.equal(await hashFile(result.path), sourceHash, 'byte-identical, from the holders')
  assert.equal(result.peers[owner.peerId], undefined, 'nothing from the owner')

  for (const h of held) {
    const volunteer = volunteers.find(v => v.peerId === h.peerId)!
    for (const path of await filesUnder(volunteer.dataDir)) {
      const bytes = await readFile(path)
      assert.equal(bytes.indexOf(marker), -1, `${path} holds the plaintext marker`)
      assert.equal(bytes.indexOf(FILE), -1, `${path} holds the file's name`)
    }
  }
})
