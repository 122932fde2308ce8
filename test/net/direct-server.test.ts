/** The direct server's limits, each at the limit and one past it, with real sockets on loopback. */
import { describe, test } from 'node:test'
import * as assert from 'node:assert/strict'
import { connect as tcpConnect, type Socket } from 'node:net'
import { connect, type TLSSocket } from 'node:tls'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { DirectServer } from '../../src/net/direct/direct-server.js'
import { TlsIdentity } from '../../src/net/direct/tls-identity.js'
import { decodePortAnswer, encodePortAnswer } from '../../src/net/direct/port-query.js'
import { DIRECT_HANDSHAKE_TIMEOUT_MS, MAX_DIRECT_CONNECTIONS, MAX_DIRECT_PER_PEER } from '../../src/net/direct/constants.js'
import type { Pipe } from '../../src/net/pipe.js'

async function server (onPipe: (pipe: Pipe, peerId: string) => void = () => {}, banned = new Set<string>()): Promise<DirectServer> {
  const s = new DirectServer({
    identity: await TlsIdentity.create(await generateKeyPair('Ed25519')),
    hosts: ['127.0.0.1'],
    port: 0,
    isBanned: id => banned.has(id),
    onPipe
  })
  await s.start()
  return s
}

async function tlsDial (port: number, identity: TlsIdentity): Promise<TLSSocket> {
  const socket = connect({ host: '127.0.0.1', port, ...identity.options() })
  socket.on('error', () => {})
  await new Promise(resolve => socket.once('secureConnect', resolve))
  return socket
}

const closed = async (socket: Socket): Promise<void> => { if (!socket.destroyed) await new Promise(resolve => socket.once('close', resolve)) }

describe('direct server', () => {
  test(`one peer may hold ${MAX_DIRECT_PER_PEER} direct connections; the next is dropped`, { timeout: 60_000 }, async (t) => {
    const pipes: Pipe[] = []
    const s = await server(pipe => pipes.push(pipe))
    t.after(async () => await s.stop())
    const key = await generateKeyPair('Ed25519')
    const identity = await TlsIdentity.create(key)
    const sockets: TLSSocket[] = []
    for (let i = 0; i < MAX_DIRECT_PER_PEER; i++) sockets.push(await tlsDial(s.port, identity))
    for (let i = 0; i < 50 && pipes.length < MAX_DIRECT_PER_PEER; i++) await new Promise(resolve => setTimeout(resolve, 20))
    assert.equal(pipes.length, MAX_DIRECT_PER_PEER)
    const extra = await tlsDial(s.port, identity)
    await closed(extra)
    assert.equal(pipes.length, MAX_DIRECT_PER_PEER, 'the connection past the limit is never served')
    assert.ok(sockets.every(socket => !socket.destroyed), 'the ones within the limit stay open')
    // Another peer is not affected by the first one's limit.
    const other = await tlsDial(s.port, await TlsIdentity.create(await generateKeyPair('Ed25519')))
    for (let i = 0; i < 50 && pipes.length === MAX_DIRECT_PER_PEER; i++) await new Promise(resolve => setTimeout(resolve, 20))
    assert.equal(pipes.length, MAX_DIRECT_PER_PEER + 1)
    other.destroy()
    for (const socket of sockets) socket.destroy()
  })

  test(`${MAX_DIRECT_CONNECTIONS} connections at once over all peers; the next is dropped`, { timeout: 60_000 }, async (t) => {
    const s = await server()
    t.after(async () => await s.stop())
    // Plain TCP connections that never start TLS: each holds a slot until the handshake timeout.
    const sockets: Socket[] = []
    for (let i = 0; i < MAX_DIRECT_CONNECTIONS; i++) {
      const socket = tcpConnect(s.port, '127.0.0.1')
      socket.on('error', () => {})
      await new Promise(resolve => socket.once('connect', resolve))
      sockets.push(socket)
    }
    await new Promise(resolve => setTimeout(resolve, 200))
    assert.ok(sockets.every(socket => !socket.destroyed), `all ${MAX_DIRECT_CONNECTIONS} are held`)
    const extra = tcpConnect(s.port, '127.0.0.1')
    extra.on('error', () => {})
    await closed(extra)
    for (const socket of sockets) socket.destroy()
  })

  test(`a connection that does not finish the TLS handshake within ${DIRECT_HANDSHAKE_TIMEOUT_MS} ms is dropped`, { timeout: 30_000 }, async (t) => {
    const s = await server()
    t.after(async () => await s.stop())
    const socket = tcpConnect(s.port, '127.0.0.1')
    socket.on('error', () => {})
    const started = Date.now()
    await closed(socket)
    assert.ok(Date.now() - started >= DIRECT_HANDSHAKE_TIMEOUT_MS - 100, 'not dropped before the timeout')
  })

  test('a banned peer is refused, and hangUp drops a peer\'s open connections', { timeout: 30_000 }, async (t) => {
    const banned = new Set<string>()
    const pipes: string[] = []
    const s = await server((_pipe, peerId) => pipes.push(peerId), banned)
    t.after(async () => await s.stop())
    const key = await generateKeyPair('Ed25519')
    const peerId = peerIdFromPrivateKey(key).toString()
    const identity = await TlsIdentity.create(key)
    const open = await tlsDial(s.port, identity)
    for (let i = 0; i < 50 && pipes.length === 0; i++) await new Promise(resolve => setTimeout(resolve, 20))
    assert.deepEqual(pipes, [peerId], 'the server learns the peer ID from the certificate')
    banned.add(peerId)
    s.hangUp(peerId)
    await closed(open)
    await closed(await tlsDial(s.port, identity))
    assert.deepEqual(pipes, [peerId], 'no pipe for a banned peer')
  })

  test('port answers: version 1 and a non-zero port, nothing else', () => {
    for (const port of [1, 4001, 65535]) assert.equal(decodePortAnswer(encodePortAnswer(port)), port)
    assert.equal(decodePortAnswer(encodePortAnswer(0)), undefined)
    assert.equal(decodePortAnswer(Uint8Array.of(2, 0x0f, 0xa1)), undefined)
    assert.equal(decodePortAnswer(Uint8Array.of(1, 0x0f)), undefined)
    assert.equal(decodePortAnswer(Uint8Array.of(1, 0x0f, 0xa1, 0)), undefined)
  })
})
