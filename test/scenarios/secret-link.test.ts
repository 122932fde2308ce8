/**
 * Secret links: an owner shares a folder with `secret: true`; a peer without the key keeps and
 * serves the sealed copy; once the owner is gone a fresh node gets the link with its key and gets
 * the plaintext back. Without the key: NO_KEY, wrong key: BAD_KEY, nothing written either way.
 * The holder's data directory holds neither the plaintext nor any name.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseLink, formatLink } from '../../src/content/link.js'
import { ErrorCode, ShoalError } from '../../src/errors.js'
import { GET_TIMEOUT_MS, hashTree, MiB, TEST_TIMEOUT_MS, TestSwarm, writeRandomTree } from '../helpers/swarm.js'

const FOLDER = 'holiday-photos-private'

async function filesUnder (root: string): Promise<string[]> {
  const out: string[] = []
  for (const name of await readdir(root, { recursive: true })) {
    if ((await stat(join(root, name))).isFile()) out.push(join(root, name))
  }
  return out
}

test('a secret link: holders serve what they cannot read, the key opens it', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const swarm = new TestSwarm()
  t.after(async () => await swarm.cleanup())
  const source = join(await swarm.dir('source'), FOLDER)
  await writeRandomTree(source, { 'a.bin': 2 * MiB + 5, 'nested/b.bin': 300_000, 'empty': 0 })
  const marker = `marker-${randomBytes(16).toString('hex')}`
  await writeFile(join(source, 'notes.txt'), `dear diary ${marker} the end`)

  const owner = await swarm.node('owner')
  const shared = await owner.share(source, { secret: true })
  assert.equal(shared.name, FOLDER)
  const link = parseLink(shared.link)
  assert.ok(link.key !== undefined && shared.link.includes('#k='), 'the link carries the key in its fragment')

  const holder = await swarm.node('holder')
  const sealed = await holder.get(shared.link.split('#')[0]!, { output: join(holder.dataDir, 'held'), sealed: true, timeoutMs: GET_TIMEOUT_MS })
  assert.equal(sealed.cid, shared.cid, 'the holder keeps the outer content, an ordinary one')
  await owner.stop()

  const fresh = await swarm.node('fresh')
  const viaHolder = formatLink({ cid: link.cid, peers: [], key: link.key }).replace('#', `?peer=${encodeURIComponent(holder.addrs()[0]!)}#`)
  const noKey = viaHolder.split('#')[0]!
  const wrongKey = formatLink({ ...parseLink(viaHolder), key: randomBytes(32) })

  const output = await swarm.dir('output')
  const result = await fresh.get(viaHolder, { output, timeoutMs: GET_TIMEOUT_MS })
  assert.equal(result.path, join(output, FOLDER))
  assert.equal(result.publisher, owner.peerId, 'the inner signature is the owner\'s')
  assert.deepEqual(await hashTree(result.path), await hashTree(source), 'byte-identical plaintext')
  assert.equal(result.peers[holder.peerId] !== undefined && result.peers[holder.peerId]! > 0, true, 'it came from the holder')


  const stranger = await swarm.node('stranger')
  const empty = await swarm.dir('empty-output')
  await assert.rejects(stranger.get(noKey, { output: empty, timeoutMs: GET_TIMEOUT_MS }), (err: unknown) => err instanceof ShoalError && err.code === ErrorCode.NoKey)
  await assert.rejects(stranger.get(wrongKey, { output: empty, timeoutMs: GET_TIMEOUT_MS }), (err: unknown) => err instanceof ShoalError && err.code === ErrorCode.BadKey)
  assert.deepEqual(await readdir(empty), [], 'nothing is written at the output without the right key')


  for (const path of await filesUnder(holder.dataDir)) {
    const bytes = await readFile(path)
    assert.equal(bytes.indexOf(marker), -1, `${path} holds the plaintext marker`)
    assert.equal(bytes.indexOf(FOLDER), -1, `${path} holds the folder's name`)
    assert.ok(!path.includes(FOLDER) && !path.includes('notes'), `${path} is named after the plaintext`)
  }
})
