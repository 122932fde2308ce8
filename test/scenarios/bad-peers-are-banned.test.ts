/**
 * Hostile providers in a swarm, one behaviour each (test/helpers/hostile-peer.ts, written against
 * docs/protocol.md): garbage bytes, an oversized frame header, a malformed bitfield, a `have` for
 * a piece that does not exist, silence, a trickle of one byte a second. Each time the downloader
 * detects it, scores the peer down, bans it after repeated faults (closing its connection and
 * refusing new ones), and completes the download from the honest seeder, byte for byte; every
 * stream the hostile peer was given ends.
 *
 * The honest seeder is throttled so the download outlasts the hostile peer's second chance: a
 * fault costs half the ban threshold, and a failed peer is retried after RETRY_FAILED_MS. Silence
 * and trickling take longest to prove (a handshake timeout, a stall window), so their downloads
 * are slower still. The tests run concurrently.
 */
import { describe, test } from 'node:test'
import * as assert from 'node:assert/strict'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import type { Fault } from '../../src/swarm/common/peer-scores.js'
import { HostilePeer, type ProviderBehaviour } from '../helpers/hostile-peer.js'
import { GET_TIMEOUT_MS, hashFile, KiB, MiB, TestSwarm, linkVia, waitFor, writeRandomFile } from '../helpers/swarm.js'

const SIZE = 2 * MiB + 321
/** Fast enough for faults that show at once (two rounds: ~6 s); the download lasts ~8 s. */
const QUICK_UPLOAD_LIMIT = 256 * KiB
/** Silence and trickling need a handshake timeout or a stall window per round: ~32 s. */
const SLOW_UPLOAD_LIMIT = 64 * KiB
const SLOW_TEST_TIMEOUT_MS = 90_000
/** After the download, the ban and the hang-up must follow within this long. */
const BAN_WAIT_MS = 30_000

interface Case { behaviour: ProviderBehaviour, fault: Fault, uploadLimit: number }

const CASES: Case[] = [
  { behaviour: 'garbage', fault: 'protocol-error', uploadLimit: QUICK_UPLOAD_LIMIT },
  { behaviour: 'oversized-frame', fault: 'protocol-error', uploadLimit: QUICK_UPLOAD_LIMIT },
  { behaviour: 'malformed', fault: 'protocol-error', uploadLimit: QUICK_UPLOAD_LIMIT },
  { behaviour: 'bad-have', fault: 'protocol-error', uploadLimit: QUICK_UPLOAD_LIMIT },
  { behaviour: 'silent', fault: 'stalled', uploadLimit: SLOW_UPLOAD_LIMIT },
  { behaviour: 'trickle', fault: 'stalled', uploadLimit: SLOW_UPLOAD_LIMIT }
]

describe('bad peers are detected, banned, and cost nothing', { concurrency: true }, () => {
  for (const c of CASES) {
    test(`a peer that answers with ${c.behaviour}`, { timeout: SLOW_TEST_TIMEOUT_MS }, async (t) => {
      const swarm = new TestSwarm()
      let hostile: HostilePeer | undefined
      t.after(async () => {
        await hostile?.stop()
        await swarm.cleanup()
      })
      const path = join(await swarm.dir('source'), 'data.bin')
      const sourceHash = await writeRandomFile(path, SIZE)
      const seeder = await swarm.node('seeder', { uploadLimit: c.uploadLimit })
      const shared = await seeder.share(path)

      hostile = await HostilePeer.start()
      hostile.serve(await hostile.copyMetadata(seeder.addrs()[0] as string, CID.parse(shared.cid)), c.behaviour)
      const hostileId = hostile.peerId

      const faults: Fault[] = []
      const downloader = await swarm.node('downloader', {}, { fault: (id, fault) => { if (id === hostileId) faults.push(fault) } })
      const result = await downloader.get(linkVia(shared.cid, [seeder, hostile]), { output: await swarm.dir('out'), timeoutMs: GET_TIMEOUT_MS })

      assert.ok(hostile.counts.streams > 0, 'the hostile peer was never contacted: the test proves nothing')
      assert.equal(await hashFile(result.path), sourceHash, 'downloaded bytes differ from the shared ones')
      assert.deepEqual(result.peers, { [seeder.peerId]: SIZE }, 'every byte came from the honest seeder')

      await waitFor(`the ${c.behaviour} peer to be banned (faults so far: ${faults.join(', ')})`, () => downloader.bannedPeers().includes(hostileId), BAN_WAIT_MS)
      assert.ok(faults.includes(c.fault), `expected a ${c.fault} fault, got ${faults.join(', ')}`)
      assert.ok(!downloader.bannedPeers().includes(seeder.peerId), 'the honest seeder was banned')
      await waitFor('the banned peer to be hung up on', () => !downloader.connectedPeers().includes(hostileId), BAN_WAIT_MS)
      await waitFor('every stream given to the hostile peer to end', () => hostile?.counts.streamsEnded === hostile?.counts.streams, BAN_WAIT_MS)
      assert.equal(await hostile.reaches(downloader.addrs()[0] as string), false, 'a banned peer could connect again')
    })
  }
})
