/**
 * Issue 16 (3): peers that answer `open` with a full bitfield and then never send the manifest
 * (or anything else) must not stall a download: setup questions race several peers
 * (swarm/requester/setup-race.ts), and each silent peer is scored `stalled`.
 */
import { strict as assert } from 'node:assert'
import { join } from 'node:path'
import { test } from 'node:test'
import type { Fault } from '../../src/swarm/common/peer-scores.js'
import { Attacker } from '../helpers/budget-attacker.js'
import { GET_TIMEOUT_MS, hashFile, linkVia, MiB, TEST_TIMEOUT_MS, TestSwarm, waitFor, writeRandomFile } from '../helpers/swarm.js'

const SILENT_PEERS = 10

test(`${SILENT_PEERS} peers that never send the manifest, listed before the honest seeder: the get completes and each is scored stalled`, { timeout: TEST_TIMEOUT_MS * 2 }, async () => {
  const swarm = new TestSwarm()
  const mutes = await Attacker.many(SILENT_PEERS)
  try {
    // Slow enough that every question a silent peer is asked times out before the get ends.
    const seeder = await swarm.node('seeder', { uploadLimit: 256 * 1024 })
    const source = await swarm.dir('src')
    const digest = await writeRandomFile(join(source, 'f.bin'), 4 * MiB)
    const shared = await seeder.share(join(source, 'f.bin'), { pieceSize: 256 * 1024 })
    const opened = mutes.map(m => m.serveMute(shared.pieces))

    const faults = new Map<string, Fault[]>()
    const getter = await swarm.node('getter', {}, { fault: (id, fault) => { faults.set(id, [...faults.get(id) ?? [], fault]) } })
    const out = await swarm.dir('out')
    await getter.get(linkVia(shared.cid, [...mutes, seeder]), { output: out, timeoutMs: GET_TIMEOUT_MS })
    assert.equal(await hashFile(join(out, 'f.bin')), digest)

    const asked = mutes.filter((_, i) => opened[i]!.asked() > 0)
    assert.ok(asked.length > 0, 'the getter asked the silent peers something (else this test shows nothing)')
    // Each silent peer the getter asked is faulted: its setup question, or its requests, time out.
    // Except one asked only for pieces that all came from elsewhere first and were cancelled before
    // their deadline (a peer whose session began late, in the endgame): nothing of it timed out.
    const owed = asked.filter(m => {
      const q = opened[mutes.indexOf(m)]!.questions()
      const setup = (q.get('get-manifest') ?? 0) + (q.get('get-hashes') ?? 0)
      return setup > 0 || (q.get('request') ?? 0) > (q.get('cancel') ?? 0)
    })
    assert.ok(owed.length >= asked.length / 2, `most silent peers the getter asked were left owing it an answer (${owed.length} of ${asked.length})`)
    const seen = (): string => JSON.stringify(mutes.map((m, i) => ({ opened: opened[i]!.opened(), asked: Object.fromEntries(opened[i]!.questions()), faults: faults.get(m.peerId) })))
    try {
      await waitFor('every silent peer that owes the getter an answer to be scored stalled', () => owed.every(m => faults.get(m.peerId)?.includes('stalled') === true), TEST_TIMEOUT_MS)
    } catch (err: any) {
      throw new Error(`${err.message as string}: ${seen()}`)
    }
    assert.equal(faults.get(seeder.peerId), undefined, 'the honest seeder is not faulted')
  } finally {
    await Promise.all(mutes.map(async m => await m.stop()))
    await swarm.cleanup()
  }
})
