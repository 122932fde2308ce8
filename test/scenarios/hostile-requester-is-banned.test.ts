/**
 * A hostile downloader attacks a Shoal seeder (test/helpers/hostile-peer.ts, written against
 * docs/protocol.md): a request flood, an oversized frame header, a message in the wrong
 * direction, more streams and more connections than a peer may hold. Each is bounded where the
 * protocol says; floods and broken frames get the peer banned, hung up on and refused; an honest
 * downloader is served meanwhile. The limits are tested at the limit: the last stream and
 * connection allowed work, the next is refused.
 */
import { describe, test } from 'node:test'
import * as assert from 'node:assert/strict'
import { join } from 'node:path'
import type { Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { MAX_CONNECTIONS_PER_PEER } from '../../src/net/connection-gater.js'
import { MAX_QUEUED_REQUESTS, MAX_STREAMS_PER_PEER } from '../../src/swarm/provider/constants.js'
import { MAX_OVERFLOW_REJECTS } from '../../src/swarm/provider/flood-guard.js'
import type { Fault } from '../../src/swarm/common/peer-scores.js'
import { MAX_FRAME_BYTES, readMessages, type Message } from '../../src/swarm/wire/index.js'
import { HOSTILE_STEP_MS, HostilePeer, send, sendRaw } from '../helpers/hostile-peer.js'
import { GET_TIMEOUT_MS, hashFile, MiB, TEST_TIMEOUT_MS, TestSwarm, waitFor, writeRandomFile } from '../helpers/swarm.js'
import type { ShoalNode } from '../../src/node/node.js'

const SIZE = 1 * MiB + 77
/** Far more requests than a stream may queue and have rejected together. */
const FLOOD_REQUESTS = (MAX_QUEUED_REQUESTS + MAX_OVERFLOW_REJECTS) * 4

interface Setup { swarm: TestSwarm, hostile: HostilePeer, seeder: ShoalNode, addr: string, cid: CID, faults: Fault[], path: string, hash: string }

async function setup (t: { after: (fn: () => Promise<void>) => void }): Promise<Setup> {
  const swarm = new TestSwarm()
  const hostile = await HostilePeer.start()
  t.after(async () => {
    await hostile.stop()
    await swarm.cleanup()
  })
  const path = join(await swarm.dir('source'), 'data.bin')
  const hash = await writeRandomFile(path, SIZE)
  const faults: Fault[] = []
  const seeder = await swarm.node('seeder', {}, { fault: (id, fault) => { if (id === hostile.peerId) faults.push(fault) } })
  const shared = await seeder.share(path)
  return { swarm, hostile, seeder, addr: seeder.addrs()[0] as string, cid: CID.parse(shared.cid), faults, path, hash }
}

/** Opens a content stream the way a downloader does: `open`, then the provider's bitfield. */
async function openContent (hostile: HostilePeer, stream: Stream, cid: CID): Promise<AsyncGenerator<Message>> {
  const messages = readMessages(stream, { signal: AbortSignal.timeout(HOSTILE_STEP_MS * 3) })
  await send(stream, { type: 'open', cid: cid.bytes })
  const first = await messages.next()
  assert.equal(first.value?.type, 'bitfield', 'the seeder did not answer open with its bitfield')
  return messages
}

/** Resolves once the seeder has ended the stream (reset or closed): reading it fails or ends. */
async function ended (messages: AsyncGenerator<Message>): Promise<void> {
  try {
    for await (const _ of messages) { /* rejects and pieces the seeder still sent */ }
  } catch {}
}

async function assertBannedAndRefused (s: Setup): Promise<void> {
  await waitFor('the seeder to ban the hostile peer', () => s.seeder.bannedPeers().includes(s.hostile.peerId))
  await waitFor('the seeder to hang up on it', () => s.hostile.libp2p.getConnections(peerIdFromString(s.seeder.peerId)).length === 0)
  assert.equal(await s.hostile.reaches(s.addr), false, 'a banned peer could connect again')
}

describe('a hostile requester', { concurrency: true }, () => {
  test('a request flood is cut off at the stream bounds, scored, and banned on repeat; honest peers are served', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const s = await setup(t)
    const honest = await s.swarm.node('honest')
    const download = honest.get(s.cid.toString(), { output: await s.swarm.dir('out'), timeoutMs: GET_TIMEOUT_MS })
    void honest.connect(s.addr).catch(() => {})
    for (let round = 1; round <= 2; round++) {
      const stream = await s.hostile.openStream(s.addr)
      const messages = await openContent(s.hostile, stream, s.cid)
      const pieces = Math.ceil(SIZE / (16 * 1024))
      for (let i = 0; i < FLOOD_REQUESTS && stream.writeStatus === 'writable'; i++) {
        await send(stream, { type: 'request', piece: i % pieces })
      }
      await ended(messages)
      await waitFor(`flood fault number ${round}`, () => s.faults.filter(f => f === 'flood').length >= round)
    }
    await assertBannedAndRefused(s)
    const result = await download
    assert.equal(await hashFile(result.path), s.hash, 'the honest download is wrong')
    assert.ok(!s.seeder.bannedPeers().includes(honest.peerId))
  })

  test('an oversized frame header and a message in the wrong direction are protocol errors: banned', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const s = await setup(t)
    const oversized = await s.hostile.openStream(s.addr)
    const header = new Uint8Array(4)
    new DataView(header.buffer).setUint32(0, MAX_FRAME_BYTES + 1)
    await sendRaw(oversized, header)
    await ended(readMessages(oversized, { signal: AbortSignal.timeout(HOSTILE_STEP_MS) }))
    await waitFor('a protocol-error fault', () => s.faults.includes('protocol-error'))
    assert.ok(!s.seeder.bannedPeers().includes(s.hostile.peerId), 'banned after a single fault')

    const wrongWay = await s.hostile.openStream(s.addr)
    await send(wrongWay, { type: 'piece', piece: 0, data: new Uint8Array(16) })
    await ended(readMessages(wrongWay, { signal: AbortSignal.timeout(HOSTILE_STEP_MS) }))
    await assertBannedAndRefused(s)
    assert.deepEqual(s.faults, ['protocol-error', 'protocol-error'])
  })

  test(`${MAX_STREAMS_PER_PEER} content streams are served; one more is refused, without a fault`, { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const s = await setup(t)
    const connection = await s.hostile.libp2p.dial(multiaddr(s.addr), { signal: AbortSignal.timeout(HOSTILE_STEP_MS) })
    const open: Stream[] = []
    for (let i = 0; i < MAX_STREAMS_PER_PEER; i++) {
      const stream = await s.hostile.newStream(connection)
      await openContent(s.hostile, stream, s.cid)
      open.push(stream)
    }
    const extra = await s.hostile.newStream(connection)
    const messages = readMessages(extra, { signal: AbortSignal.timeout(HOSTILE_STEP_MS) })
    await send(extra, { type: 'open', cid: s.cid.bytes }).catch(() => {}) // it may be reset already
    const answer = await messages.next().catch(() => undefined)
    assert.ok(answer === undefined || answer.done === true, `the stream past the limit was answered: ${JSON.stringify(answer?.value?.type)}`)
    assert.deepEqual(s.faults, [], 'too many streams is bounded, not a fault')
    // Closing one makes room again.
    await open.pop()?.close()
    await waitFor('a stream slot to free up', async () => {
      const again = await s.hostile.newStream(connection)
      try {
        await openContent(s.hostile, again, s.cid)
        open.push(again)
        return true
      } catch {
        return false
      }
    })
    for (const stream of open) await stream.close().catch(() => {})
  })

  test(`${MAX_CONNECTIONS_PER_PEER} connections from one peer are accepted; one more is refused`, { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const s = await setup(t)
    for (let i = 0; i < MAX_CONNECTIONS_PER_PEER; i++) {
      assert.ok(await s.hostile.reaches(s.addr), `connection ${i + 1} was refused`)
    }
    const seederId = peerIdFromString(s.seeder.peerId)
    assert.equal(s.hostile.libp2p.getConnections(seederId).length, MAX_CONNECTIONS_PER_PEER)
    assert.equal(await s.hostile.reaches(s.addr), false, `connection ${MAX_CONNECTIONS_PER_PEER + 1} was accepted`)
    await s.hostile.libp2p.getConnections(seederId)[0]?.close()
    await waitFor('the seeder to see a connection close', () => s.hostile.libp2p.getConnections(seederId).length < MAX_CONNECTIONS_PER_PEER)
    assert.ok(await s.hostile.reaches(s.addr), 'no new connection once one closed')
    assert.deepEqual(s.faults, [])
    assert.ok(!s.seeder.bannedPeers().includes(s.hostile.peerId))
  })
})
