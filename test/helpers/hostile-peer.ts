/**
 * A hostile peer for scenario tests: a bare libp2p node (TCP, Noise, Yamux, identify: the stack
 * of docs/protocol.md §1) that speaks `/shoal/swarm/1.0.0` as docs/protocol.md describes it,
 * through the codec of src/swarm/wire, and misbehaves on purpose. It is not a ShoalNode and patches
 * nothing of Shoal's: what it does, any peer on the network could do.
 *
 * As a provider it serves stolen metadata (copied from an honest seeder over the protocol, as any
 * peer can) and then lies, talks garbage or goes quiet. As a requester it attacks a Shoal provider:
 * request floods, oversized frames, many streams, many connections.
 */
import type { FileHandle } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import type { Connection, Libp2p, Stream } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { CID } from 'multiformats/cid'
import { decodeSignedManifest, verifySignedManifest } from '../../src/content/envelope.js'
import { PieceLayout } from '../../src/content/layout.js'
import type { Manifest } from '../../src/content/manifest.js'
import { Bitfield } from '../../src/swarm/wire/bitfield.js'
import { encodeMessage, MAX_FRAME_BYTES, PROTOCOL, readMessages, type Message } from '../../src/swarm/wire/index.js'
import { LOOPBACK } from './swarm.js'

/** Bound on every network step the hostile peer takes itself. */
export const HOSTILE_STEP_MS = 10_000
/** The trickling peer sends one byte this often. */
export const TRICKLE_INTERVAL_MS = 1_000

/** What a hostile peer copied from an honest seeder. */
export interface Stolen { cid: CID, signed: Uint8Array, manifest: Manifest, layout: PieceLayout, hashes: Uint8Array[] }

/**
 * How the hostile provider answers a downloader:
 * - `wrong-data`: claims every piece, sends each with one byte flipped (right length, wrong hash);
 * - `garbage`: answers `open` with random bytes (whose length prefix is far over the limit);
 * - `oversized-frame`: answers `open` with a frame header announcing MAX_FRAME_BYTES + 1;
 * - `malformed`: answers `open` with a bitfield one byte short of its piece count;
 * - `bad-have`: honest handshake, then a `have` for a piece that does not exist;
 * - `silent`: takes the stream and reads it, but never answers anything;
 * - `trickle`: honest handshake (bitfield, manifest, hashes), then piece data at one byte a second.
 */
export type ProviderBehaviour = 'wrong-data' | 'garbage' | 'oversized-frame' | 'malformed' | 'bad-have' | 'silent' | 'trickle'

export interface HostileCounts {
  /** Swarm streams downloaders opened to us. */
  streams: number
  /** `request` messages received. */
  requests: number
  /** Pieces (or piece bytes, trickling) sent. */
  piecesSent: number
  /** Streams that ended (the downloader closed or reset them). */
  streamsEnded: number
}

export async function send (stream: Stream, message: Message): Promise<void> {
  let ok = true
  for (const chunk of encodeMessage(message)) ok = stream.send(chunk)
  if (!ok) await stream.onDrain({ signal: AbortSignal.timeout(HOSTILE_STEP_MS) })
}

export async function sendRaw (stream: Stream, bytes: Uint8Array): Promise<void> {
  if (!stream.send(bytes)) await stream.onDrain({ signal: AbortSignal.timeout(HOSTILE_STEP_MS) })
}

export class HostilePeer {
  readonly libp2p: Libp2p
  readonly counts: HostileCounts = { streams: 0, requests: 0, piecesSent: 0, streamsEnded: 0 }
  private readonly timers = new Set<NodeJS.Timeout>()

  private constructor (libp2p: Libp2p) {
    this.libp2p = libp2p
  }

  /** `webSockets`: also listen on `/ws`, where a web page can reach it. */
  static async start (options: { webSockets?: boolean } = {}): Promise<HostilePeer> {
    const libp2p = await createLibp2p({
      addresses: { listen: [LOOPBACK, ...(options.webSockets === true ? [`${LOOPBACK}/ws`] : [])] },
      transports: [tcp(), ...(options.webSockets === true ? [webSockets()] : [])],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify() }
    })
    return new HostilePeer(libp2p)
  }

  get peerId (): string {
    return this.libp2p.peerId.toString()
  }

  addrs (): string[] {
    return this.libp2p.getMultiaddrs().map(a => a.toString())
  }

  async stop (): Promise<void> {
    for (const timer of this.timers) clearInterval(timer)
    this.timers.clear()
    await Promise.resolve(this.libp2p.stop()).catch(() => {})
  }

  /**
   * Whether a new connection to `addr` gets through: dialled (force: a new one) and then still open
   * once a swarm stream has been negotiated on it. A node that refuses us either fails the dial or
   * closes the connection during its upgrade.
   */
  async reaches (addr: string): Promise<boolean> {
    try {
      const connection = await this.libp2p.dial(multiaddr(addr), { signal: AbortSignal.timeout(HOSTILE_STEP_MS), force: true })
      // Negotiating a protocol takes a round trip: the remote has accepted the connection. The
      // stream is closed without a word, which a provider takes as a requester leaving.
      const stream = await this.newStream(connection)
      await stream.close().catch(() => {})
      return connection.status === 'open'
    } catch {
      return false
    }
  }

  /** Opens a swarm stream to a Shoal node at `addr` (a multiaddr with /p2p/). */
  async openStream (addr: string, options: { force?: boolean } = {}): Promise<Stream> {
    const connection = await this.libp2p.dial(multiaddr(addr), { signal: AbortSignal.timeout(HOSTILE_STEP_MS), force: options.force })
    return await this.newStream(connection)
  }

  async newStream (connection: Connection): Promise<Stream> {
    return await connection.newStream(PROTOCOL, { signal: AbortSignal.timeout(HOSTILE_STEP_MS), maxOutboundStreams: 1024 })
  }

  /** Opens a stream to `addr` and fetches the signed manifest and every file's hash list. */
  async copyMetadata (addr: string, cid: CID): Promise<Stolen> {
    const stream = await this.openStream(addr)
    const messages = readMessages(stream, { signal: AbortSignal.timeout(HOSTILE_STEP_MS) })
    const next = async (): Promise<Message> => {
      const { value, done } = await messages.next()
      if (done === true) throw new Error('seeder closed the stream')
      return value
    }
    await send(stream, { type: 'open', cid: cid.bytes })
    if ((await next()).type !== 'bitfield') throw new Error('expected a bitfield')
    await send(stream, { type: 'get-manifest' })
    const reply = await next()
    if (reply.type !== 'manifest') throw new Error('expected a manifest')
    const signed = new Uint8Array(reply.signed)
    const { manifest } = await verifySignedManifest(decodeSignedManifest(signed), cid)
    const layout = new PieceLayout(manifest)
    const hashes: Uint8Array[] = []
    for (let file = 0; file < manifest.files.length; file++) {
      await send(stream, { type: 'get-hashes', file })
      const answer = await next()
      if (answer.type !== 'hashes' || answer.file !== file) throw new Error('expected hashes')
      hashes.push(new Uint8Array(answer.hashes))
    }
    await stream.close()
    return { cid, signed, manifest, layout, hashes }
  }

  /**
   * Serves `stolen` to any downloader, misbehaving as `behaviour` says. `source` (the real bytes)
   * is needed by `wrong-data` only.
   */
  serve (stolen: Stolen, behaviour: ProviderBehaviour, source?: FileHandle): void {
    void this.libp2p.handle(PROTOCOL, (stream: Stream) => {
      this.counts.streams++
      void this.converse(stream, stolen, behaviour, source)
        .catch(() => {}) // the downloader resets the stream once it has had enough
        .finally(() => { this.counts.streamsEnded++ })
    }, { maxInboundStreams: 1024 })
  }

  /**
   * Serves an envelope (any bytes, valid or not) as the manifest: `signed` for whatever CID is
   * asked for, or from a map of CID string → envelope (not-found for others).
   */
  serveManifest (signed: Uint8Array | Map<string, Uint8Array>, pieceCount: number): void {
    void this.libp2p.handle(PROTOCOL, (stream: Stream) => {
      this.counts.streams++
      void (async () => {
        let envelope: Uint8Array | undefined
        for await (const message of readMessages(stream)) {
          if (message.type === 'open') {
            envelope = signed instanceof Map ? signed.get(CID.decode(message.cid).toString()) : signed
            if (envelope === undefined) await send(stream, { type: 'not-found' })
            else await send(stream, { type: 'bitfield', pieceCount, bits: Bitfield.full(pieceCount).toBytes() })
          } else if (message.type === 'get-manifest' && envelope !== undefined) {
            await send(stream, { type: 'manifest', signed: envelope })
          }
        }
      })().catch(() => {}).finally(() => { this.counts.streamsEnded++ })
    }, { maxInboundStreams: 1024 })
  }

  private async converse (stream: Stream, stolen: Stolen, behaviour: ProviderBehaviour, source?: FileHandle): Promise<void> {
    const pieceCount = stolen.layout.pieceCount
    let trickling = false
    for await (const message of readMessages(stream)) {
      // Once trickling, every byte on the stream belongs to that one frame: nothing else is sent.
      if (trickling) continue
      switch (message.type) {
        case 'open':
          if (behaviour === 'silent') break
          if (behaviour === 'garbage') {
            const junk = randomBytes(1024)
            junk[0] = (junk[0] ?? 0) | 0x80 // a length prefix of at least 2^31: over any limit
            await sendRaw(stream, junk)
            break
          }
          if (behaviour === 'oversized-frame') {
            const header = new Uint8Array(4)
            new DataView(header.buffer).setUint32(0, MAX_FRAME_BYTES + 1)
            await sendRaw(stream, header)
            break
          }
          if (behaviour === 'malformed') {
            // A bitfield frame one byte short of ceil(pieceCount / 8): the decoder must refuse it.
            const bits = Bitfield.full(pieceCount).toBytes()
            const [head] = encodeMessage({ type: 'bitfield', pieceCount, bits })
            const frame = new Uint8Array((head as Uint8Array).byteLength + bits.byteLength - 1)
            frame.set(head as Uint8Array)
            frame.set(bits.subarray(1), (head as Uint8Array).byteLength)
            new DataView(frame.buffer).setUint32(0, frame.byteLength - 4)
            await sendRaw(stream, frame)
            break
          }
          await send(stream, { type: 'bitfield', pieceCount, bits: Bitfield.full(pieceCount).toBytes() })
          if (behaviour === 'bad-have') await send(stream, { type: 'have', piece: pieceCount + 7 })
          break
        case 'get-manifest':
          if (behaviour !== 'silent') await send(stream, { type: 'manifest', signed: stolen.signed })
          break
        case 'get-hashes':
          if (behaviour !== 'silent') await send(stream, { type: 'hashes', file: message.file, hashes: stolen.hashes[message.file] ?? new Uint8Array() })
          break
        case 'request':
          this.counts.requests++
          if (behaviour === 'wrong-data') await this.sendWrongPiece(stream, stolen, message.piece, source)
          if (behaviour === 'trickle' && !trickling) {
            trickling = true
            this.trickle(stream, stolen, message.piece)
          }
          break
        case 'get-peers':
          if (behaviour !== 'silent') await send(stream, { type: 'peers', peers: [] })
          break
        default:
          break // cancel: a hostile peer does not care
      }
    }
  }

  private async sendWrongPiece (stream: Stream, stolen: Stolen, piece: number, source?: FileHandle): Promise<void> {
    if (source === undefined) throw new Error('wrong-data needs the source file')
    const { offset, length } = stolen.layout.locate(piece)
    const data = Buffer.alloc(length)
    await source.read(data, 0, length, offset)
    data[length >> 1] = (data[length >> 1] ?? 0) ^ 0xff
    await send(stream, { type: 'piece', piece, data })
    this.counts.piecesSent++
  }

  /** Sends the frame of `piece` (zeros: it never gets far) one byte per TRICKLE_INTERVAL_MS. */
  private trickle (stream: Stream, stolen: Stolen, piece: number): void {
    const chunks = encodeMessage({ type: 'piece', piece, data: new Uint8Array(stolen.layout.locate(piece).length) })
    const frame = Buffer.concat(chunks)
    let at = 0
    const timer = setInterval(() => {
      if (stream.status !== 'open' || stream.writeStatus !== 'writable' || at >= frame.byteLength) {
        clearInterval(timer)
        this.timers.delete(timer)
        return
      }
      stream.send(frame.subarray(at, at + 1))
      at++
      this.counts.piecesSent++
    }, TRICKLE_INTERVAL_MS)
    this.timers.add(timer)
  }
}
