/**
 * A small content is fetched in one round trip after `open` on `/shoal/swarm/1.1.0` (protocol.md
 * §5.1): the requester sends `get-manifest` with `open`, and the provider follows the manifest
 * with the hash lists and every piece, unasked. A larger content, or a 1.0.0 stream, gets nothing
 * unasked; and a node still fetches from a peer that speaks only 1.0.0.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import type { Stream } from '@libp2p/interface'
import { CID } from 'multiformats/cid'
import { GET_TIMEOUT_MS, hashFile, KiB, TEST_TIMEOUT_MS, TestSwarm, writeRandomFile } from '../helpers/swarm.js'
import { HOSTILE_STEP_MS, HostilePeer, send } from '../helpers/hostile-peer.js'
import { PROTOCOL, PROTOCOL_1_1, readMessages, type Message } from '../../src/swarm/wire/index.js'

async function openStream (peer: HostilePeer, addr: string, protocol: string): Promise<{ stream: Stream, next: () => Promise<Message> }> {
  const connection = await peer.libp2p.dial(multiaddr(addr), { signal: AbortSignal.timeout(HOSTILE_STEP_MS) })
  const stream = await connection.newStream(protocol, { signal: AbortSignal.timeout(HOSTILE_STEP_MS) })
  const messages = readMessages(stream, { signal: AbortSignal.timeout(HOSTILE_STEP_MS) })
  const next = async (): Promise<Message> => {
    const { value, done } = await messages.next()
    if (done === true) throw new Error('the provider closed the stream')
    return value
  }
  return { stream, next }
}

test('a small content comes with its manifest on 1.1.0, and only then', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const swarm = new TestSwarm()
  t.after(async () => await swarm.cleanup())
  const dir = await swarm.dir('source')
  // 40 KiB in 16 KiB pieces: three pieces, so a hash list too.
  await writeRandomFile(join(dir, 'small.bin'), 40 * KiB)
  await writeRandomFile(join(dir, 'large.bin'), 200 * KiB)
  const seeder = await swarm.node('seeder')
  const small = await seeder.share(join(dir, 'small.bin'), { pieceSize: 16 * KiB })
  const large = await seeder.share(join(dir, 'large.bin'), { pieceSize: 16 * KiB })
  const peer = await HostilePeer.start()
  t.after(async () => await peer.stop())
  const addr = seeder.addrs()[0] ?? ''

  // 1.1.0, small: open and get-manifest in one go; everything else comes unasked.
  const s = await openStream(peer, addr, PROTOCOL_1_1)
  await send(s.stream, { type: 'open', cid: CID.parse(small.cid).bytes })
  await send(s.stream, { type: 'get-manifest' })
  const kinds: string[] = []
  let hashes: Uint8Array | undefined
  const pieces = new Map<number, Uint8Array>()
  while (pieces.size < 3) {
    const m = await s.next()
    kinds.push(m.type)
    if (m.type === 'hashes') hashes = new Uint8Array(m.hashes)
    if (m.type === 'piece') pieces.set(m.piece, new Uint8Array(m.data instanceof Uint8Array ? m.data : m.data.subarray()))
  }
  assert.deepEqual(kinds, ['bitfield', 'manifest', 'hashes', 'piece', 'piece', 'piece'])
  assert.ok(hashes !== undefined && hashes.byteLength === 3 * 32)
  for (const [piece, data] of pieces) {
    assert.deepEqual(new Uint8Array(createHash('sha256').update(data).digest()), hashes.subarray(piece * 32, piece * 32 + 32), `piece ${piece} matches its hash`)
  }
  // A request for a piece already sent is not answered twice: the next answer is to get-peers.
  await send(s.stream, { type: 'request', piece: 1 })
  await send(s.stream, { type: 'get-peers' })
  assert.equal((await s.next()).type, 'peers')
  await s.stream.close()

  // 1.1.0, larger than INLINE_CONTENT_BYTES: the manifest only.
  const l = await openStream(peer, addr, PROTOCOL_1_1)
  await send(l.stream, { type: 'open', cid: CID.parse(large.cid).bytes })
  await send(l.stream, { type: 'get-manifest' })
  await send(l.stream, { type: 'get-peers' })
  assert.deepEqual([(await l.next()).type, (await l.next()).type, (await l.next()).type], ['bitfield', 'manifest', 'peers'])
  await l.stream.close()

  // 1.0.0, small: as before, nothing unasked.
  const o = await openStream(peer, addr, PROTOCOL)
  await send(o.stream, { type: 'open', cid: CID.parse(small.cid).bytes })
  assert.equal((await o.next()).type, 'bitfield')
  await send(o.stream, { type: 'get-manifest' })
  await send(o.stream, { type: 'get-peers' })
  assert.deepEqual([(await o.next()).type, (await o.next()).type], ['manifest', 'peers'])
  await o.stream.close()
})

test('a node gets a small file over 1.1.0, and from a peer that speaks only 1.0.0', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const swarm = new TestSwarm()
  t.after(async () => await swarm.cleanup())
  const source = join(await swarm.dir('source'), 'note.txt')
  const sourceHash = await writeRandomFile(source, 40 * KiB)
  const seeder = await swarm.node('seeder')
  const shared = await seeder.share(source, { pieceSize: 16 * KiB })

  const leecher = await swarm.node('leecher')
  const result = await leecher.get(shared.link, { output: await swarm.dir('new'), timeoutMs: GET_TIMEOUT_MS })
  assert.equal(await hashFile(result.path), sourceHash)
  assert.equal(result.received, 40 * KiB, 'every byte received once')

  // The seeder forgets 1.1.0, as a node of an older version would not know it.
  await (seeder as unknown as { libp2p: { unhandle: (p: string) => Promise<void> } }).libp2p.unhandle(PROTOCOL_1_1)
  const old = await swarm.node('leecher-of-an-old-peer')
  const fallback = await old.get(shared.link, { output: await swarm.dir('old'), timeoutMs: GET_TIMEOUT_MS })
  assert.equal(await hashFile(fallback.path), sourceHash)
  assert.equal(fallback.received, 40 * KiB)
})
