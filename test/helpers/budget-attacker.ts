/**
 * Peers that press on a node's memory and patience, written from docs/protocol.md alone (frames,
 * `open`, `request`, `cancel`, the bitfield), each a bare libp2p node like helpers/hostile-peer.ts:
 * what they do, any peer on the network could do.
 *
 * - `press`: opens many swarm streams, asks each for many pieces, and then never reads: it pauses
 *   each stream, so yamux stops granting the seeder window and the seeder's sends pile up on its
 *   side (issue 11);
 * - `halfFrames`: opens streams and sends all but the last byte of a maximum-size frame (issue 16);
 * - `overCap`: opens streams past the per-peer cap and watches what happens to each;
 * - `rejectFlood`: request + cancel pairs a seed spreading its first copies must reject;
 * - `serveMute`: answers `open` with a full bitfield, then never says another word (issue 16).
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import type { Connection, Libp2p, Stream } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import type { CID } from 'multiformats/cid'
import { Bitfield } from '../../src/swarm/wire/bitfield.js'
import { encodeMessage, FrameReader, decodeMessage, MAX_FRAME_BYTES, PROTOCOL, type Message } from '../../src/swarm/wire/index.js'
import { HOSTILE_STEP_MS, send, sendRaw } from './hostile-peer.js'
import { LOOPBACK } from './swarm.js'

/** Each step of ours (a dial and its identify, a stream, the node's first answer), generous: on a loaded machine a thousand streams at once take a while. */
const STEP_TIMEOUT_MS = 30_000
/** Streams one identity opens at once. */
const OPEN_BATCH = 16
/** halfFrames sends a frame's body in slices of this size. */
const SLICE_BYTES = 64 * 1024

export interface PressOptions {
  streams: number
  /** `request`s per stream, for pieces 0, 1, … (modulo the piece count). */
  requests: number
  pieceCount: number
}

/** What became of the streams an attack opened. */
export interface StreamTally {
  opened: number
  /** Streams the node reset or closed. */
  ended: number
}

export class Attacker {
  readonly streams: Stream[] = []
  readonly tally: StreamTally = { opened: 0, ended: 0 }
  private readonly connections = new Map<string, Promise<Connection>>()

  private constructor (readonly libp2p: Libp2p) {}

  /** `from`: the local address its connections come from (e.g. 127.0.0.2: another host, seen from a node on loopback). */
  static async start (from?: string): Promise<Attacker> {
    const libp2p = await createLibp2p({
      addresses: { listen: [LOOPBACK] },
      // net.connect takes localAddress; @libp2p/tcp passes dialOpts through to it but does not type it.
      transports: [tcp(from !== undefined ? { dialOpts: { localAddress: from } as never } : {})],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux({ maxInboundStreams: 4096, maxOutboundStreams: 4096 } as never)],
      services: { identify: identify() }
    })
    return new Attacker(libp2p)
  }

  /** `n` identities at once (each its own key; all on this host). */
  static async many (n: number, from?: string): Promise<Attacker[]> {
    return await Promise.all(Array.from({ length: n }, async () => await Attacker.start(from)))
  }

  get peerId (): string {
    return this.libp2p.peerId.toString()
  }

  addrs (): string[] {
    return this.libp2p.getMultiaddrs().map(a => a.toString())
  }

  async stop (): Promise<void> {
    await Promise.resolve(this.libp2p.stop()).catch(() => {})
  }

  /**
   * One connection per address, dialled once and ready for many streams. Dials of a bare multiaddr
   * made at the same time are not merged (the peer ID is unknown until the handshake), and a node
   * refuses more than 8 connections from one peer. And the dialler finishes the Noise handshake a
   * message before the listener does: streams opened before the listener's libp2p has taken the
   * connection over are "early", and past 10 of them its muxer aborts the whole connection
   * (yamux's maxEarlyStreams), resetting every stream on it. So streams wait until identify has
   * run both ways, which proves the node took the connection.
   */
  async connect (addr: string): Promise<Connection> {
    let connection = this.connections.get(addr)
    if (connection === undefined) {
      connection = this.dialReady(addr)
      connection.catch(() => this.connections.delete(addr))
      this.connections.set(addr, connection)
    }
    return await connection
  }

  private async dialReady (addr: string): Promise<Connection> {
    const identified = new Set<string>()
    let wake: (() => void) | undefined
    const onIdentify = (evt: CustomEvent<{ peerId: { toString: () => string } }>): void => {
      identified.add(evt.detail.peerId.toString())
      wake?.()
    }
    this.libp2p.addEventListener('peer:identify', onIdentify as never)
    try {
      const connection = await this.libp2p.dial(multiaddr(addr), { signal: AbortSignal.timeout(STEP_TIMEOUT_MS) })
      const deadline = Date.now() + STEP_TIMEOUT_MS
      while (!identified.has(connection.remotePeer.toString()) && Date.now() < deadline) {
        await new Promise<void>(resolve => { wake = resolve; setTimeout(resolve, 100) })
      }
      return connection
    } finally {
      this.libp2p.removeEventListener('peer:identify', onIdentify as never)
    }
  }

  /** A new swarm stream to `addr`, watched: `tally.ended` counts it once the node ends it. */
  async open (addr: string): Promise<Stream> {
    const connection = await this.connect(addr)
    const stream = await connection.newStream(PROTOCOL, { signal: AbortSignal.timeout(STEP_TIMEOUT_MS), maxOutboundStreams: 4096 })
    // Everything the node sends is kept here (in our memory, not the node's) until we read it.
    stream.maxReadBufferLength = Number.MAX_SAFE_INTEGER
    this.streams.push(stream)
    this.tally.opened++
    stream.addEventListener('close', () => { this.tally.ended++ }, { once: true })
    return stream
  }

  /** Sends `open` and waits for the node's first answer (bitfield or not-found). */
  async handshake (stream: Stream, cid: CID): Promise<Message> {
    await send(stream, { type: 'open', cid: cid.bytes })
    return await firstMessage(stream)
  }

  /**
   * Many streams that ask for many pieces and then never read (paused: no more yamux window);
   * resolves to how many the node let get as far as asking.
   */
  async press (addr: string, cid: CID, o: PressOptions): Promise<number> {
    const pressing = await inBatches(o.streams, async () => {
      // A reset (over the stream cap) ends this stream's part in the attack.
      const stream = await this.open(addr).catch(() => undefined)
      if (stream === undefined) return false
      const answer = await this.handshake(stream, cid).catch(() => undefined)
      if (answer?.type !== 'bitfield') return false
      // The node may have reset it already (over a budget): that stream's part is over.
      if (!pauseIfOpen(stream)) return false
      // All the requests in one write (cheaper for us; the node reads them one frame at a time).
      const frames = Array.from({ length: o.requests }, (_, i) => encodeMessage({ type: 'request', piece: i % o.pieceCount })).flat()
      const joined = new Uint8Array(frames.reduce((n, f) => n + f.byteLength, 0))
      frames.reduce((at, f) => { joined.set(f, at); return at + f.byteLength }, 0)
      try {
        if (stream.status === 'open') stream.send(joined)
      } catch {
        // The node reset the stream while we were still asking: a defence, not our failure.
      }
      return true
    })
    return pressing.filter(Boolean).length
  }

  /**
   * Streams that send a valid `open` (unless `beforeOpen`), then the header of a `frameBytes`
   * frame (by default the largest the protocol allows) and all of its body but the last byte, and
   * wait. Resolves to how many streams got as far as sending.
   */
  async halfFrames (addr: string, cid: CID, streams: number, o: { beforeOpen?: boolean, frameBytes?: number } = {}): Promise<number> {
    const frameBytes = o.frameBytes ?? MAX_FRAME_BYTES
    const body = new Uint8Array(frameBytes - 1)
    body[0] = 0x01
    const header = new Uint8Array(4)
    new DataView(header.buffer).setUint32(0, frameBytes, false)
    const sent = await Promise.all(Array.from({ length: streams }, async () => {
      const stream = await this.open(addr).catch(() => undefined)
      if (stream === undefined) return false
      if (o.beforeOpen !== true && (await this.handshake(stream, cid).catch(() => undefined))?.type !== 'bitfield') return false
      if (!pauseIfOpen(stream)) return false
      try {
        await sendRaw(stream, header)
        // In slices, as a socket would carry them (and our own memory stays small).
        for (let at = 0; at < body.byteLength && stream.status === 'open'; at += SLICE_BYTES) {
          await sendRaw(stream, body.subarray(at, Math.min(body.byteLength, at + SLICE_BYTES)))
        }
      } catch {
        // The node reset the stream before the frame was out: what it should do.
      }
      return true
    }))
    return sent.filter(Boolean).length
  }

  /**
   * `n` streams at once on one connection, each sending `open`; tallies what the node did with
   * each: answered (a bitfield), reset (before or after protocol negotiation), or nothing within
   * STEP_TIMEOUT_MS (`silent`: what the spec does not allow).
   */
  async overCap (addr: string, cid: CID, n: number): Promise<{ answered: number, reset: number, silent: number }> {
    const outcomes = await Promise.all(Array.from({ length: n }, async () => {
      const stream = await this.open(addr).catch(() => undefined)
      if (stream === undefined) return 'reset'
      return await this.handshake(stream, cid).then(m => m.type === 'bitfield' ? 'answered' : 'silent', (err: Error) => err.message === 'no answer' ? 'silent' : 'reset')
    }))
    const count = (what: string): number => outcomes.filter(o => o === what).length
    return { answered: count('answered'), reset: count('reset'), silent: count('silent') }
  }

  /**
   * Asks for piece 0 on one stream (so a seed spreading its first copies has just sent it), then
   * sends `pairs` request + cancel pairs for it on a second; resolves to the rejects the second
   * drew before the node ended it.
   */
  async rejectFlood (addr: string, cid: CID, pairs: number): Promise<number> {
    const first = await this.open(addr)
    await this.handshake(first, cid)
    await send(first, { type: 'request', piece: 0 })
    await firstMessage(first, m => m.type === 'piece')
    const second = await this.open(addr)
    await this.handshake(second, cid)
    let rejects = 0
    const counting = (async () => {
      const reader = new FrameReader()
      for await (const chunk of second) {
        reader.push(chunk)
        for (let f = reader.next(); f !== undefined; f = reader.next()) if (decodeMessage(f).type === 'reject') rejects++
      }
    })().catch(() => {})
    try {
      for (let i = 0; i < pairs && second.status === 'open'; i++) {
        await send(second, { type: 'request', piece: 0 })
        await send(second, { type: 'cancel', piece: 0 })
      }
    } catch {
      // reset by the node
    }
    await Promise.race([counting, new Promise(resolve => setTimeout(resolve, HOSTILE_STEP_MS))])
    return rejects
  }

  /** As a provider: answers `open` with a full bitfield of `pieceCount`, then keeps silent. */
  serveMute (pieceCount: number): { opened: () => number, asked: () => number, questions: () => Map<string, number> } {
    let opened = 0
    /** Streams on which something was asked after `open`. */
    let asked = 0
    /** Every message received after `open`, by type, over all streams. */
    const questions = new Map<string, number>()
    void this.libp2p.handle(PROTOCOL, (stream: Stream) => {
      void (async () => {
        // Read (and ignore) whatever comes, so only our silence is at fault. Frames are decoded
        // here, not by firstMessage: a 1.1.0 requester writes `get-manifest` with `open`.
        const reader = new FrameReader()
        let first = true
        let counted = false
        for await (const chunk of stream) {
          reader.push(chunk)
          for (let f = reader.next(); f !== undefined; f = reader.next()) {
            const m = decodeMessage(f)
            if (first) {
              first = false
              if (m.type !== 'open') return
              opened++
              await send(stream, { type: 'bitfield', pieceCount, bits: Bitfield.full(pieceCount).toBytes() })
              continue
            }
            questions.set(m.type, (questions.get(m.type) ?? 0) + 1)
            if (!counted) { counted = true; asked++ }
          }
        }
      })().catch(() => {})
    }, { maxInboundStreams: 1024 })
    return { opened: () => opened, asked: () => asked, questions: () => questions }
  }

}

/** Stops reading a stream (no more yamux window); false when the node has already closed or reset it. */
function pauseIfOpen (stream: Stream): boolean {
  if (stream.status !== 'open') return false
  try {
    stream.pause()
    return true
  } catch {
    return false
  }
}

/** `n` runs of `task`, OPEN_BATCH at a time: opening a thousand streams at once on one machine only times out. */
async function inBatches<T> (n: number, task: () => Promise<T>): Promise<T[]> {
  const results: T[] = []
  for (let i = 0; i < n; i += OPEN_BATCH) results.push(...await Promise.all(Array.from({ length: Math.min(OPEN_BATCH, n - i) }, task)))
  return results
}

/** The first message on `stream` that `wanted` accepts (reads only as far as that). */
async function firstMessage (stream: Stream, wanted: (m: Message) => boolean = () => true): Promise<Message> {
  const reader = new FrameReader()
  return await new Promise<Message>((resolve, reject) => {
    const timer = setTimeout(() => { done(); reject(new Error('no answer')) }, STEP_TIMEOUT_MS)
    const done = (): void => {
      clearTimeout(timer)
      stream.removeEventListener('message', onMessage)
      stream.removeEventListener('close', onClose)
    }
    const onMessage = (evt: { data: Uint8Array | import('uint8arraylist').Uint8ArrayList }): void => {
      try {
        reader.push(evt.data)
        for (let f = reader.next(); f !== undefined; f = reader.next()) {
          const m = decodeMessage(f)
          if (wanted(m)) { done(); resolve(m); return }
        }
      } catch (err) { done(); reject(err) }
    }
    const onClose = (): void => { done(); reject(new Error('stream ended')) }
    stream.addEventListener('message', onMessage as never)
    stream.addEventListener('close', onClose)
  })
}
