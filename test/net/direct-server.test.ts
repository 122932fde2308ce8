/** The direct server and its tickets: each limit at the limit and one past it, with real sockets on loopback. */
import { describe, test } from 'node:test'
import * as assert from 'node:assert/strict'
import { connect as tcpConnect, type Socket } from 'node:net'
import { connect, type TLSSocket } from 'node:tls'
import { randomBytes } from 'node:crypto'
import { DirectServer } from '../../src/net/direct/direct-server.js'
import { TicketBook, type Ticket } from '../../src/net/direct/tickets.js'
import { directTlsOptions } from '../../src/net/direct/tls-options.js'
import { decodeTicketAnswer, encodeTicketAnswer } from '../../src/net/direct/ticket-query.js'
import {
  DIRECT_HANDSHAKE_TIMEOUT_MS, DIRECT_TICKET_TTL_MS, MAX_DIRECT_CONNECTIONS, MAX_DIRECT_PER_PEER, MAX_TICKETS, MAX_TICKETS_PER_PEER, MAX_TICKETS_PER_ADDRESS
} from '../../src/net/direct/constants.js'
import type { Pipe } from '../../src/net/pipe.js'
import { MessageChannel, ReaderStalled } from '../../src/swarm/common/message-channel.js'

async function server (tickets: TicketBook, onPipe: (pipe: Pipe, peerId: string) => void = () => {}, banned = new Set<string>()): Promise<DirectServer> {
  const s = new DirectServer({ tickets, hosts: ['127.0.0.1'], port: 0, isBanned: id => banned.has(id), onPipe: served => onPipe(served.pipe, served.peerId) })
  await s.start()
  return s
}

/** A TLS connection to the direct port with `ticket` (or none); resolves once usable, or closed. */
async function tlsDial (port: number, ticket?: Ticket): Promise<{ socket: TLSSocket, secured: boolean }> {
  const socket = connect({
    ...directTlsOptions(),
    host: '127.0.0.1',
    port,
    checkServerIdentity: () => undefined,
    rejectUnauthorized: false,
    ...(ticket !== undefined ? { pskCallback: () => ({ psk: Buffer.from(ticket.key), identity: Buffer.from(ticket.id).toString('hex') }) } : {})
  })
  socket.on('error', () => {})
  const secured = await new Promise<boolean>(resolve => {
    socket.once('secureConnect', () => resolve(true))
    socket.once('close', () => resolve(false))
  })
  return { socket, secured }
}

const closed = async (socket: Socket): Promise<void> => { if (!socket.destroyed) await new Promise(resolve => socket.once('close', resolve)) }
const until = async (ok: () => boolean): Promise<void> => { for (let i = 0; i < 100 && !ok(); i++) await new Promise(resolve => setTimeout(resolve, 20)) }

/** The server's side of a direct connection whose reader (the returned socket) reads nothing. */
async function servedToPausedReader (t: { after: (fn: () => unknown) => void }): Promise<{ pipe: Pipe, socket: TLSSocket }> {
  const tickets = new TicketBook()
  let served: Pipe | undefined
  const s = await server(tickets, pipe => { served = pipe })
  t.after(async () => await s.stop())
  const { socket } = await tlsDial(s.port, tickets.issue('reader', '127.0.0.1') as Ticket)
  t.after(() => { socket.destroy() })
  socket.pause()
  await until(() => served !== undefined)
  return { pipe: served as Pipe, socket }
}

describe('direct server', () => {
  test('a direct connection whose reader stops reading is seen as stalled, as a libp2p stream is', { timeout: 30_000 }, async (t) => {
    const { pipe: served } = await servedToPausedReader(t)
    const channel = new MessageChannel(served, { stall: { minBytes: 64 * 1024, windowMs: 300 } })
    const piece = { type: 'piece' as const, piece: 0, data: new Uint8Array(1024 * 1024) }
    // The kernel's socket buffers take the first MiBs; then writes wait, and nothing drains.
    await assert.rejects(async () => { for (let i = 0; i < 64; i++) await channel.write(piece) }, ReaderStalled)
  })

  test('many writers waiting on one full direct connection share one drain wait, and all go on once it drains', { timeout: 30_000 }, async (t) => {
    const { pipe, socket } = await servedToPausedReader(t)
    const chunk = new Uint8Array(1024 * 1024)
    // More than the kernel's socket buffers take: the rest waits in the socket, and nothing drains.
    for (let i = 0; i < 64; i++) pipe.send([chunk])
    await new Promise(resolve => setTimeout(resolve, 200))
    const warnings: Error[] = []
    const onWarning = (w: Error): void => { warnings.push(w) }
    process.on('warning', onWarning)
    t.after(() => { process.off('warning', onWarning) })
    // Twenty serve tasks wait on the same full socket, as a seeder's do in a crowd.
    const waits = Array.from({ length: 20 }, async () => await pipe.drained(AbortSignal.timeout(20_000)))
    let resumed = 0
    for (const w of waits) void w.then(() => { resumed++ })
    await new Promise(resolve => setTimeout(resolve, 200))
    assert.equal(resumed, 0, 'nothing drained while the reader reads nothing')
    socket.resume()
    await Promise.all(waits)
    assert.equal(resumed, 20)
    await new Promise(resolve => setImmediate(resolve))
    assert.deepEqual(warnings.filter(w => w.name === 'MaxListenersExceededWarning'), [], 'one drain listener, not one per writer')
  })

  test('only a ticket it issued opens the port, once, for the peer it was issued to', { timeout: 30_000 }, async (t) => {
    const tickets = new TicketBook()
    const pipes: string[] = []
    const s = await server(tickets, (_pipe, peerId) => pipes.push(peerId))
    t.after(async () => await s.stop())
    const ticket = tickets.issue('peer-a', '127.0.0.1') as Ticket
    const ok = await tlsDial(s.port, ticket)
    assert.ok(ok.secured)
    await until(() => pipes.length === 1)
    assert.deepEqual(pipes, ['peer-a'], 'the connection is bound to the peer the ticket was issued to')
    // The same ticket again, a made-up one, a wrong key, no ticket: all refused in the handshake.
    for (const bad of [ticket, { id: randomBytes(16), key: randomBytes(32) }, { id: (tickets.issue('peer-a', '127.0.0.1') as Ticket).id, key: randomBytes(32) }, undefined]) {
      const refused = await tlsDial(s.port, bad)
      assert.equal(refused.secured, false)
    }
    assert.deepEqual(pipes, ['peer-a'])
    ok.socket.destroy()
  })

  test(`a ticket expires after ${DIRECT_TICKET_TTL_MS} ms; one peer holds at most ${MAX_TICKETS_PER_PEER}, all peers ${MAX_TICKETS}`, () => {
    let now = 0
    const book = new TicketBook(() => now)
    const first = book.issue('a', '127.0.0.1') as Ticket
    now = DIRECT_TICKET_TTL_MS
    const second = book.issue('a', '127.0.0.1') as Ticket
    now = DIRECT_TICKET_TTL_MS + 1
    assert.equal(book.redeem(Buffer.from(first.id).toString('hex')), undefined, 'expired')
    assert.equal(book.redeem(Buffer.from(second.id).toString('hex'))?.peerId, 'a', 'just in time')
    for (let i = 0; i < MAX_TICKETS_PER_PEER; i++) assert.ok(book.issue('a', '127.0.0.1') !== undefined)
    assert.equal(book.issue('a', '127.0.0.1'), undefined, 'one past the per-peer limit')
    for (let i = 0; book.size < MAX_TICKETS; i++) assert.ok(book.issue(`p${i}`, `10.0.${i >> 8}.${i & 255}`) !== undefined)
    assert.equal(book.issue('fresh', '127.0.0.1'), undefined, 'one past the total')
    book.revoke('a')
    assert.ok(book.issue('fresh', '127.0.0.1') !== undefined, 'revoking a peer frees its tickets')
  })

  test(`throwaway identities on one address share ${MAX_TICKETS_PER_ADDRESS} tickets; peers elsewhere still get theirs`, () => {
    const book = new TicketBook()
    let taken = 0
    // 70 identities made on one host, each asking for all the tickets it may hold (issue 16).
    for (let id = 0; id < 70; id++) {
      for (let i = 0; i < MAX_TICKETS_PER_PEER; i++) if (book.issue(`throwaway-${id}`, '203.0.113.7') !== undefined) taken++
    }
    assert.equal(taken, MAX_TICKETS_PER_ADDRESS)
    assert.ok(book.issue('honest', '198.51.100.1') !== undefined, 'a peer from another address gets a ticket')
    // Peers behind one NAT: each asks for one and redeems it at once, as a downloader does.
    for (let i = 0; i < 200; i++) {
      const ticket = book.issue(`nat-${i}`, '192.0.2.1') as Ticket
      assert.ok(ticket !== undefined, `NAT peer ${i} gets a ticket`)
      assert.ok(book.redeem(Buffer.from(ticket.id).toString('hex')) !== undefined)
    }
  })

  test(`one peer may hold ${MAX_DIRECT_PER_PEER} direct connections; the next is dropped`, { timeout: 60_000 }, async (t) => {
    const tickets = new TicketBook()
    const pipes: Pipe[] = []
    const s = await server(tickets, pipe => pipes.push(pipe))
    t.after(async () => await s.stop())
    const sockets: TLSSocket[] = []
    for (let i = 0; i < MAX_DIRECT_PER_PEER; i++) {
      const dialled = await tlsDial(s.port, tickets.issue('a', '127.0.0.1') as Ticket)
      sockets.push(dialled.socket)
    }
    await until(() => pipes.length === MAX_DIRECT_PER_PEER)
    assert.equal(pipes.length, MAX_DIRECT_PER_PEER)
    const extra = await tlsDial(s.port, tickets.issue('a', '127.0.0.1') as Ticket)
    await closed(extra.socket)
    assert.equal(pipes.length, MAX_DIRECT_PER_PEER, 'the connection past the limit is never served')
    assert.ok(sockets.every(socket => !socket.destroyed), 'the ones within the limit stay open')
    const other = await tlsDial(s.port, tickets.issue('b', '127.0.0.1') as Ticket)
    await until(() => pipes.length === MAX_DIRECT_PER_PEER + 1)
    assert.equal(pipes.length, MAX_DIRECT_PER_PEER + 1, 'another peer is not affected')
    other.socket.destroy()
    for (const socket of sockets) socket.destroy()
  })

  test(`${MAX_DIRECT_CONNECTIONS} connections at once over all peers; the next is dropped`, { timeout: 60_000 }, async (t) => {
    const s = await server(new TicketBook())
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
    const s = await server(new TicketBook())
    t.after(async () => await s.stop())
    const socket = tcpConnect(s.port, '127.0.0.1')
    socket.on('error', () => {})
    const started = Date.now()
    await closed(socket)
    assert.ok(Date.now() - started >= DIRECT_HANDSHAKE_TIMEOUT_MS - 100, 'not dropped before the timeout')
  })

  test('a banned peer is refused, and hangUp drops a peer\'s open connections', { timeout: 30_000 }, async (t) => {
    const tickets = new TicketBook()
    const banned = new Set<string>()
    const pipes: string[] = []
    const s = await server(tickets, (_pipe, peerId) => pipes.push(peerId), banned)
    t.after(async () => await s.stop())
    const open = await tlsDial(s.port, tickets.issue('a', '127.0.0.1') as Ticket)
    await until(() => pipes.length === 1)
    banned.add('a')
    s.hangUp('a')
    await closed(open.socket)
    const again = await tlsDial(s.port, tickets.issue('a', '127.0.0.1') as Ticket)
    await closed(again.socket)
    assert.deepEqual(pipes, ['a'], 'no pipe for a banned peer')
  })

  test('ticket answers: "no", or version 1 with a non-zero port, the identity and the key; nothing else', () => {
    const ticket = { port: 4002, id: randomBytes(16), key: randomBytes(32) }
    const decoded = decodeTicketAnswer(encodeTicketAnswer(ticket))
    assert.equal(decoded?.port, 4002)
    assert.deepEqual(Buffer.from(decoded?.id ?? []), ticket.id)
    assert.deepEqual(Buffer.from(decoded?.key ?? []), ticket.key)
    assert.equal(decodeTicketAnswer(encodeTicketAnswer(undefined)), undefined)
    assert.equal(decodeTicketAnswer(encodeTicketAnswer({ ...ticket, port: 0 })), undefined)
    const wire = encodeTicketAnswer(ticket)
    assert.equal(decodeTicketAnswer(wire.subarray(0, wire.byteLength - 1)), undefined)
    assert.equal(decodeTicketAnswer(Uint8Array.of(2, ...wire.subarray(1))), undefined)
  })
})
