/**
 * Piece data goes over a direct TLS connection when both peers allow it, and over libp2p streams
 * when one does not; the direct port only talks to peers that prove their key, and not to banned
 * ones. Hostile clients are a bare libp2p node asking for tickets and plain node:tls sockets, as
 * anyone on the network could open.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { connect, type TLSSocket } from 'node:tls'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { DIRECT_PROTOCOL } from '../../src/net/direct/constants.js'
import { queryTicket, type DirectTicket } from '../../src/net/direct/ticket-query.js'
import { directTlsOptions } from '../../src/net/direct/tls-options.js'
import { decodeMessage, encodeMessage, FrameReader } from '../../src/swarm/wire/index.js'
import type { PieceEvent } from '../../src/swarm/requester/download.js'
import { DIRECT_MIN_BYTES } from '../../src/swarm/requester/constants.js'
import { HOSTILE_STEP_MS, HostilePeer } from '../helpers/hostile-peer.js'
import { GET_TIMEOUT_MS, hashFile, MiB, TEST_TIMEOUT_MS, TestSwarm, writeRandomFile } from '../helpers/swarm.js'

const SIZE = DIRECT_MIN_BYTES + 6 * MiB + 777

async function sharedFile (swarm: TestSwarm, seederOptions: { direct?: boolean } = {}, size = SIZE): Promise<{ hash: string, link: string, cid: string, seeder: Awaited<ReturnType<TestSwarm['node']>> }> {
  const source = join(await swarm.dir('source'), 'video.bin')
  const hash = await writeRandomFile(source, size)
  const seeder = await swarm.node('seeder', seederOptions)
  const shared = await seeder.share(source)
  return { hash, link: shared.link, cid: shared.cid, seeder }
}

test('a large download moves to a direct connection; with direct connections off on one side it stays on libp2p', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  for (const seederDirect of [true, false]) {
    const swarm = new TestSwarm()
    t.after(async () => await swarm.cleanup())
    const { hash, link, seeder } = await sharedFile(swarm, { direct: seederDirect })
    assert.equal(seeder.directPort() !== undefined, seederDirect)
    const leecher = await swarm.node('leecher')
    const pieces: PieceEvent[] = []
    const result = await leecher.get(link, { output: await swarm.dir('out'), timeoutMs: GET_TIMEOUT_MS, onPiece: p => pieces.push(p) })
    assert.equal(await hashFile(result.path), hash, 'downloaded bytes differ from the shared ones')
    assert.equal(result.received, SIZE, 'no byte fetched twice across the move')
    assert.ok(pieces.every(p => p.valid))
    const direct = pieces.filter(p => p.transport === 'direct').reduce((n, p) => n + p.bytes, 0)
    assert.equal(result.direct, direct, 'the result counts the bytes that came over direct connections')
    if (seederDirect) {
      assert.ok(direct >= SIZE / 2, `most bytes came over the direct connection (${direct} of ${SIZE})`)
      assert.equal(pieces.at(-1)?.transport, 'direct', 'the download ends on the direct connection')
    } else {
      assert.equal(direct, 0, 'no direct connection to a peer that has none')
    }
    await swarm.cleanup()
  }
})

test('a small download stays on the libp2p stream (a direct connection would cost more than it saves)', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const swarm = new TestSwarm()
  t.after(async () => await swarm.cleanup())
  const size = DIRECT_MIN_BYTES / 4
  const { hash, link } = await sharedFile(swarm, {}, size)
  const leecher = await swarm.node('leecher')
  const transports = new Set<string>()
  const result = await leecher.get(link, { output: await swarm.dir('out'), timeoutMs: GET_TIMEOUT_MS, onPiece: p => transports.add(p.transport) })
  assert.equal(await hashFile(result.path), hash)
  assert.deepEqual([...transports], ['libp2p'])
})

/** Asks `addr`'s node for a direct-port ticket over libp2p, as any peer may. */
async function askTicket (hostile: HostilePeer, addr: string): Promise<DirectTicket | undefined> {
  const connection = await hostile.libp2p.dial(multiaddr(addr), { signal: AbortSignal.timeout(HOSTILE_STEP_MS) })
  return await queryTicket(connection, DIRECT_PROTOCOL, AbortSignal.timeout(HOSTILE_STEP_MS))
}

/** Opens a TLS connection to the direct port, with a ticket or none; resolves once usable or closed. */
async function dialDirect (port: number, ticket?: DirectTicket): Promise<{ socket: TLSSocket, closed: Promise<void>, received: Buffer[] }> {
  const socket = connect({
    ...directTlsOptions(),
    host: '127.0.0.1',
    port,
    rejectUnauthorized: false,
    checkServerIdentity: () => undefined,
    ...(ticket !== undefined ? { pskCallback: () => ({ psk: Buffer.from(ticket.key), identity: Buffer.from(ticket.id).toString('hex') }) } : {})
  })
  const received: Buffer[] = []
  socket.on('data', chunk => received.push(chunk))
  socket.on('error', () => {})
  const closed = new Promise<void>(resolve => socket.once('close', () => resolve()))
  await Promise.race([new Promise(resolve => socket.once('secureConnect', resolve)), closed])
  return { socket, closed, received }
}

test('the direct port serves only a peer holding a ticket it asked for over libp2p, and no banned peer', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const swarm = new TestSwarm()
  t.after(async () => await swarm.cleanup())
  const { cid, seeder } = await sharedFile(swarm)
  const hostile = await HostilePeer.start()
  t.after(async () => await hostile.stop())
  const addr = seeder.addrs()[0] as string
  const port = seeder.directPort() as number
  const open = Buffer.concat(encodeMessage({ type: 'open', cid: CID.parse(cid).bytes }))

  // No ticket: the handshake fails; nothing is served, whatever is sent.
  const anonymous = await dialDirect(port)
  anonymous.socket.write(open)
  await anonymous.closed
  assert.equal(Buffer.concat(anonymous.received).byteLength, 0, 'nothing is served without a ticket')

  // A ticket asked for over libp2p: the swarm protocol answers `open` with the bitfield.
  const ticket = await askTicket(hostile, addr)
  assert.ok(ticket !== undefined && ticket.port === port, 'any connected peer gets a ticket')
  const honest = await dialDirect(port, ticket)
  honest.socket.write(open)
  const reader = new FrameReader()
  for (let i = 0; i < 100 && reader.bufferedBytes < 5; i++) {
    await new Promise(resolve => setTimeout(resolve, 20))
    for (const chunk of honest.received.splice(0)) reader.push(chunk)
  }
  await new Promise(resolve => setTimeout(resolve, 50))
  for (const chunk of honest.received.splice(0)) reader.push(chunk)
  const answer = reader.next()
  assert.ok(answer !== undefined, 'the seeder answered')
  assert.equal(decodeMessage(answer).type, 'bitfield')

  // The same ticket twice: refused.
  const replay = await dialDirect(port, ticket)
  await replay.closed
  assert.equal(Buffer.concat(replay.received).byteLength, 0, 'a ticket opens the port once')

  // Banned: its open connection is dropped at once, and it gets no ticket any more.
  const spare = await askTicket(hostile, addr)
  await seeder.ban(hostile.libp2p.peerId.toString())
  await honest.closed
  const afterBan = await dialDirect(port, spare)
  await afterBan.closed
  assert.equal(Buffer.concat(afterBan.received).byteLength, 0, 'a ticket issued before the ban is void')
})

test('garbage on a direct connection costs the sender its score, not the node', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const swarm = new TestSwarm()
  t.after(async () => await swarm.cleanup())
  const { seeder, hash, link } = await sharedFile(swarm)
  const hostile = await HostilePeer.start()
  t.after(async () => await hostile.stop())
  const peerId = hostile.libp2p.peerId.toString()
  for (let round = 0; round < 10 && !seeder.bannedPeers().includes(peerId); round++) {
    const ticket = await askTicket(hostile, seeder.addrs()[0] as string).catch(() => undefined)
    if (ticket === undefined) break
    const conn = await dialDirect(seeder.directPort() as number, ticket)
    conn.socket.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3]))
    await conn.closed
  }
  assert.ok(seeder.bannedPeers().includes(peerId), 'a peer that keeps sending garbage is banned')
  // The node still serves everyone else.
  const leecher = await swarm.node('leecher')
  const result = await leecher.get(link, { output: await swarm.dir('out'), timeoutMs: GET_TIMEOUT_MS })
  assert.equal(await hashFile(result.path), hash)
})
