/**
 * A hostile peer joins a swarm: it has the real manifest and piece hashes (copied from the honest
 * seeder over the protocol, as any peer can), claims every piece, and answers every request with
 * a corrupted piece. The downloader detects each bad piece by its hash, bans the liar, fetches
 * the piece elsewhere, and the output is still byte for byte the original.
 *
 * The liar is test/helpers/hostile-peer.ts: a bare libp2p node speaking `/shoal/swarm/1.0.0`
 * through the codec of src/swarm/wire, not a ShoalNode.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { open, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import { HostilePeer } from '../helpers/hostile-peer.js'
import { attributed, GET_TIMEOUT_MS, hashFile, MiB, TEST_TIMEOUT_MS, TestSwarm, linkVia, writeRandomFile } from '../helpers/swarm.js'

const SIZE = 4 * MiB + 1234
/** The honest seeder is slowed down so the liar is surely asked for pieces before the end. */
const SEEDER_UPLOAD_LIMIT = 2 * MiB

test('a peer that serves wrong pieces is detected and banned; the output is still correct', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const swarm = new TestSwarm()
  let liar: HostilePeer | undefined
  let source: FileHandle | undefined
  t.after(async () => {
    await liar?.stop()
    await source?.close().catch(() => {})
    await swarm.cleanup()
  })

  const path = join(await swarm.dir('source'), 'firmware.img')
  const sourceHash = await writeRandomFile(path, SIZE)
  const seeder = await swarm.node('seeder', { uploadLimit: SEEDER_UPLOAD_LIMIT })
  const shared = await seeder.share(path)

  liar = await HostilePeer.start()
  const stolen = await liar.copyMetadata(seeder.addrs()[0] as string, CID.parse(shared.cid))
  assert.equal(stolen.layout.pieceCount, shared.pieces)
  source = await open(path, 'r')
  liar.serve(stolen, 'wrong-data', source)
  const liarId = liar.peerId

  const downloader = await swarm.node('downloader')
  const link = linkVia(shared.cid, [seeder, liar])
  const result = await downloader.get(link, { output: await swarm.dir('downloads'), timeoutMs: GET_TIMEOUT_MS })

  assert.ok(liar.counts.requests > 0, 'the liar was never asked for a piece: the test proves nothing')
  assert.ok(liar.counts.piecesSent > 0, 'the liar never sent a piece')
  assert.equal(await hashFile(result.path), sourceHash, 'downloaded bytes differ from the shared ones')
  assert.equal(result.bytes, SIZE)
  assert.ok(downloader.bannedPeers().includes(liarId), 'the liar is banned')
  assert.ok(!downloader.bannedPeers().includes(seeder.peerId), 'the honest seeder is not banned')
  assert.equal(result.peers[liarId], undefined, `bytes attributed to the liar: ${JSON.stringify(result.peers)}`)
  assert.deepEqual(result.peers, { [seeder.peerId]: SIZE }, 'every byte came from the honest seeder')
  assert.equal(attributed(result), result.received)
  assert.equal(result.publisher, seeder.peerId)
  assert.ok(!downloader.connectedPeers().includes(liarId), 'the banned liar is still connected')
})
