/**
 * Authenticity: a manifest whose hash is not the CID asked for, or whose signature does not
 * verify, is refused and its sender scored down, while the download completes from an honest
 * peer. `get --publisher` accepts only a copy signed by that key: the same bytes re-signed by
 * someone else (anyone may sign any content) are refused, and with no right copy anywhere the get
 * ends with WRONG_PUBLISHER.
 */
import { describe, test } from 'node:test'
import * as assert from 'node:assert/strict'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import { decodeSignedManifest, encodeSignedManifest } from '../../src/content/envelope.js'
import { ErrorCode } from '../../src/errors.js'
import type { Fault } from '../../src/swarm/common/peer-scores.js'
import { forge, manifestJson, ANY_ROOT } from '../helpers/forge.js'
import { HostilePeer } from '../helpers/hostile-peer.js'
import { GET_TIMEOUT_MS, hashFile, MiB, TEST_TIMEOUT_MS, TestSwarm, linkVia, waitFor, writeRandomFile } from '../helpers/swarm.js'

const SIZE = 1 * MiB + 5
/** A get that can only fail gives up after this long without anything usable. */
const SHORT_TIMEOUT_MS = 3_000

describe('only authentic content is accepted', { concurrency: true }, () => {
  for (const tamper of ['bad-signature', 'other-manifest'] as const) {
    test(`a peer serving a manifest with ${tamper === 'bad-signature' ? 'a signature that does not verify' : 'a hash other than the CID'} is refused and scored`, { timeout: TEST_TIMEOUT_MS }, async (t) => {
      const swarm = new TestSwarm()
      const hostile = await HostilePeer.start()
      t.after(async () => { await hostile.stop(); await swarm.cleanup() })
      const path = join(await swarm.dir('source'), 'paper.pdf')
      const hash = await writeRandomFile(path, SIZE)
      const seeder = await swarm.node('seeder')
      const shared = await seeder.share(path)
      const stolen = await hostile.copyMetadata(seeder.addrs()[0] as string, CID.parse(shared.cid))
      const envelope = decodeSignedManifest(stolen.signed)
      let served: Uint8Array
      if (tamper === 'bad-signature') {
        const signature = Uint8Array.from(envelope.signature)
        signature[0] = (signature[0] ?? 0) ^ 1
        served = encodeSignedManifest({ ...envelope, signature })
      } else {
        served = (await forge(manifestJson({ version: 1, name: 'paper.pdf', kind: 'file', pieceSize: 16384, files: [{ path: 'paper.pdf', size: 10, root: ANY_ROOT }] }))).signed
      }
      hostile.serveManifest(served, stolen.layout.pieceCount)
      const faults: Fault[] = []
      const downloader = await swarm.node('downloader', {}, { fault: (id, f) => { if (id === hostile.peerId) faults.push(f) } })
      // The hostile peer is the only one named at first; the seeder joins a moment later.
      const output = await swarm.dir('out')
      const download = downloader.get(linkVia(shared.cid, [hostile]), { output, timeoutMs: GET_TIMEOUT_MS })
      await waitFor('the forged manifest to be refused', () => faults.length > 0)
      assert.deepEqual(await readdir(output), [], 'something was written from a forged manifest')
      await downloader.connect(seeder.addrs()[0] as string)
      const result = await download
      assert.equal(await hashFile(result.path), hash)
      assert.equal(result.publisher, seeder.peerId)
      assert.ok(faults.every(f => f === 'protocol-error'), faults.join(', '))
    })
  }

  test('get with a publisher takes only the copy that publisher signed', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const swarm = new TestSwarm()
    t.after(async () => await swarm.cleanup())
    const path = join(await swarm.dir('source'), 'release.tar')
    const hash = await writeRandomFile(path, SIZE)
    const alice = await swarm.node('alice')
    const mallory = await swarm.node('mallory')
    const fromAlice = await alice.share(path)
    const fromMallory = await mallory.share(path)
    assert.equal(fromMallory.cid, fromAlice.cid, 'same bytes, same name: same content ID whoever shares')

    const bob = await swarm.node('bob')
    // Only Mallory's copy is reachable: refused, and the get ends with WRONG_PUBLISHER, not a timeout.
    await assert.rejects(
      bob.get(linkVia(fromAlice.cid, [mallory]), { output: await swarm.dir('out-1'), timeoutMs: SHORT_TIMEOUT_MS, publisher: alice.peerId }),
      (err: any) => err.code === ErrorCode.WrongPublisher && err.message.includes(mallory.peerId))
    assert.ok(!bob.bannedPeers().includes(mallory.peerId), 're-signing content is not lying: Mallory is not banned')

    // Both reachable: Alice's copy is taken, and its publisher reported.
    const result = await bob.get(linkVia(fromAlice.cid, [mallory, alice]), { output: await swarm.dir('out-2'), timeoutMs: GET_TIMEOUT_MS, publisher: alice.peerId })
    assert.equal(result.publisher, alice.peerId)
    assert.equal(await hashFile(result.path), hash)

    await assert.rejects(bob.get(fromAlice.cid, { publisher: 'not-a-peer-id' }), { code: ErrorCode.BadArgument })
  })
})
