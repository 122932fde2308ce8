/**
 * The original seeder goes away while a user is downloading: the download carries on from a peer
 * that got the file earlier (and announced itself), and still completes byte for byte.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { join } from 'node:path'
import type { DownloadProgress } from '../../src/swarm/requester/download.js'
import { attributed, GET_TIMEOUT_MS, hashFile, linkVia, MiB, TEST_TIMEOUT_MS, TestSwarm, writeRandomFile } from '../helpers/swarm.js'

const SIZE = 6 * MiB + 999
/** S and L0 both upload slowly, so L1's download lasts long enough (over a second) to lose S half-way. */
const S_UPLOAD_LIMIT = 4 * MiB
const L0_UPLOAD_LIMIT = 1 * MiB

test('the original seeder leaves mid-download; the download completes from another peer', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const swarm = new TestSwarm()
  t.after(async () => await swarm.cleanup())

  const source = join(await swarm.dir('source'), 'backup.tar')
  const sourceHash = await writeRandomFile(source, SIZE)
  const s = await swarm.node('s', { uploadLimit: S_UPLOAD_LIMIT })
  const shared = await s.share(source)

  // L0 gets the whole file first and stays online: it now serves it too.
  const l0 = await swarm.node('l0', { uploadLimit: L0_UPLOAD_LIMIT })
  const first = await l0.get(shared.link, { output: await swarm.dir('downloads-l0'), timeoutMs: GET_TIMEOUT_MS })
  assert.equal(await hashFile(first.path), sourceHash)

  // L1's link names S only; L1 has to learn about L0 from the swarm.
  const l1 = await swarm.node('l1')
  const link = linkVia(shared.cid, [s])
  let stopped: Promise<void> | undefined
  let progressWhenStopped: DownloadProgress | undefined
  const onProgress = (p: DownloadProgress): void => {
    // Some pieces but not all, and L1 already talks to L0 (learnt from S by peer exchange, or from
    // the DHT): now S leaves. (Were S to leave before L1 heard of anyone else, nothing in this
    // three-node network could tell L1 about L0: S was its only source of news.)
    if (stopped === undefined && p.piecesDone > 0 && p.piecesDone < p.pieces && p.peers >= 2) {
      progressWhenStopped = p
      stopped = s.stop()
    }
  }
  const result = await l1.get(link, { output: await swarm.dir('downloads-l1'), timeoutMs: GET_TIMEOUT_MS, onProgress })
  await stopped

  assert.ok(progressWhenStopped !== undefined, 'S was never stopped mid-download: the scenario did not happen')
  assert.ok(progressWhenStopped.piecesDone < progressWhenStopped.pieces)
  assert.equal(await hashFile(result.path), sourceHash, 'downloaded bytes differ from the shared ones')
  assert.equal(result.bytes, SIZE)
  assert.equal(result.received, SIZE)
  assert.equal(attributed(result), result.received)
  assert.deepEqual(Object.keys(result.peers).filter(id => id !== s.peerId && id !== l0.peerId), [], 'bytes only from S and L0')
  const fromL0 = result.peers[l0.peerId] ?? 0
  assert.ok(fromL0 > 0, `L0 served nothing: ${JSON.stringify(result.peers)}`)
  assert.ok((result.peers[s.peerId] ?? 0) < SIZE, 'S did not serve the whole file')
})
