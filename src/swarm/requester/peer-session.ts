import type { Pipe } from '../../net/pipe.js'
import { MessageChannel } from '../common/message-channel.js'
import type { Message, PeerRecord, PieceData } from '../wire/messages.js'
import { HANDSHAKE_TIMEOUT_MS } from '../common/constants.js'
import { Throughput } from './throughput.js'
import { PeerStalled, ProtocolViolation } from '../common/faults.js'
import { PROTOCOL_1_1 } from '../wire/constants.js'
import { EarlyAnswers } from './early-answers.js'

export interface PeerSessionEvents {
  onHave: (session: PeerSession, piece: number) => void
  onPiece: (session: PeerSession, piece: number, data: PieceData) => void
  onReject: (session: PeerSession, piece: number) => void
  onClose: (session: PeerSession, error?: Error) => void
}

/** Bounds the per-peer memory of rejected pieces. */
export const MAX_DEFERRED_PIECES = 4096

/**
 * The requester's side of one stream to one peer for one content: sends `open`, then requests;
 * routes the provider's answers to the download. Replies to `get-manifest`, `get-hashes` and
 * `get-peers` are awaited with a timeout.
 */
export class PeerSession {
  readonly peerId: string
  /** The provider's `bitfield`: raw bytes and the piece count it claimed. */
  readonly remoteBits: Uint8Array
  readonly remotePieceCount: number
  /** Pieces requested from this peer and not yet answered, with the time of the request. */
  readonly inFlight = new Map<number, number>()
  /** Bytes of verified pieces this peer gave us. */
  bytesReceived = 0
  /** Recent delivery rate, for sizing the request pipeline. */
  readonly throughput = new Throughput()
  /** When the last requested piece arrived (0: none yet); piece timeouts run from here. */
  lastPieceAt = 0
  closed = false
  /** Replaced by a session over a direct connection: no new requests, closes once idle. */
  retiring = false

  private readonly channel: MessageChannel
  private events?: PeerSessionEvents
  private readonly messages: AsyncGenerator<Message>
  /** Pieces this peer rejected, and until when we leave them alone. */
  private readonly deferred = new Map<number, number>()
  private readonly waiters = new Map<string, { resolve: (m: Message) => void, reject: (e: Error) => void }>()
  /** On a 1.1.0 stream: what the provider sent before it was asked (a pipelined manifest, a small content). */
  private readonly early?: EarlyAnswers
  /** Questions that timed out: their answer may still come (a busy peer, a busy link) and is dropped, once. */
  private readonly gaveUp = new Set<string>()

  private constructor (peerId: string, channel: MessageChannel, messages: AsyncGenerator<Message>, pieceCount: number, bits: Uint8Array, early?: EarlyAnswers) {
    this.peerId = peerId
    this.channel = channel
    this.messages = messages
    this.remotePieceCount = pieceCount
    this.remoteBits = new Uint8Array(bits)
    this.early = early
  }

  /**
   * Opens a session. Resolves to undefined when the peer answers `not-found`; rejects when it
   * answers anything else, or nothing within the handshake timeout. With `askManifest` on a 1.1.0
   * stream, `get-manifest` goes out with `open` (protocol.md §5.1), saving a round trip.
   */
  static async open (peerId: string, pipe: Pipe, cid: Uint8Array, askManifest = false): Promise<PeerSession | undefined> {
    const channel = new MessageChannel(pipe)
    const messages = channel.messages()
    const early = pipe.protocol === PROTOCOL_1_1 ? new EarlyAnswers(askManifest) : undefined
    try {
      await channel.writeBatch(early?.manifestAsked === true ? [{ type: 'open', cid }, { type: 'get-manifest' }] : [{ type: 'open', cid }])
      const first = await withTimeout(messages.next(), HANDSHAKE_TIMEOUT_MS, 'no answer to open')
      if (first.done === true) throw new Error('stream closed before the answer to open')
      const answer = first.value
      if (answer.type === 'not-found') {
        await channel.close()
        return undefined
      }
      if (answer.type !== 'bitfield') throw new ProtocolViolation(`expected bitfield, got ${answer.type}`)
      return new PeerSession(peerId, channel, messages, answer.pieceCount, answer.bits, early)
    } catch (err) {
      channel.abort('handshake failed')
      throw err
    }
  }

  /** Starts routing incoming messages to `events`. */
  start (events: PeerSessionEvents): void {
    this.events = events
    void this.readLoop()
  }

  /** How the session reaches the peer: a libp2p stream or a direct TLS connection. */
  get transport (): Pipe['kind'] {
    return this.channel.pipe.kind
  }

  /** Bytes read from the stream so far, whole frames or not (for stall detection). */
  get bytesIn (): number {
    return this.channel.bytesIn
  }

  hasPiece (piece: number): boolean {
    const byte = this.remoteBits[piece >> 3]
    if (byte === undefined || (byte & (0x80 >> (piece & 7))) === 0) return false
    const until = this.deferred.get(piece)
    if (until === undefined) return true
    if (until > Date.now()) return false
    this.deferred.delete(piece)
    return true
  }

  /** The peer rejected `piece`: do not ask it for that piece again for a while. */
  defer (piece: number, ms: number): void {
    if (this.deferred.size >= MAX_DEFERRED_PIECES) this.deferred.clear()
    this.deferred.set(piece, Date.now() + ms)
  }

  async getManifest (): Promise<Uint8Array> {
    // Asked with `open` already: wait for that answer (it may have come), do not ask again.
    const reply = await this.ask('manifest', { type: 'get-manifest' }, this.early?.takeManifestAsk())
    return reply.type === 'manifest' ? reply.signed : new Uint8Array()
  }

  async getHashes (file: number): Promise<Uint8Array> {
    const sent = this.early?.takeHashes(file)
    if (sent !== undefined) return sent
    const reply = await this.ask(`hashes:${file}`, { type: 'get-hashes', file })
    return reply.type === 'hashes' ? reply.hashes : new Uint8Array()
  }

  async getPeers (): Promise<PeerRecord[]> {
    const reply = await this.ask('peers', { type: 'get-peers' })
    return reply.type === 'peers' ? reply.peers : []
  }

  request (piece: number): void {
    this.requestMany([piece])
  }

  /** Requests several pieces in one write; pieces the provider already sent unasked are taken from memory. */
  requestMany (pieces: number[]): void {
    if (pieces.length === 0) return
    const now = Date.now()
    for (const piece of pieces) this.inFlight.set(piece, now)
    const ask = this.early?.hasPieces() === true ? this.deliverEarly(pieces) : pieces
    if (ask.length > 0) this.channel.writeBatch(ask.map(piece => ({ type: 'request', piece }))).catch(err => this.close(err))
  }

  /** Hands the pieces already received unasked to the download (after this call returns, as a piece off the wire); returns the rest. */
  private deliverEarly (pieces: number[]): number[] {
    const rest: number[] = []
    for (const piece of pieces) {
      const data = this.early?.takePiece(piece)
      if (data === undefined) {
        rest.push(piece)
        continue
      }
      queueMicrotask(() => {
        if (this.closed) return
        try {
          this.dispatch({ type: 'piece', piece, data })
        } catch (err) {
          this.close(err instanceof Error ? err : new Error(String(err)))
        }
      })
    }
    return rest
  }

  cancel (piece: number): void {
    if (this.inFlight.delete(piece)) {
      this.channel.write({ type: 'cancel', piece }).catch(() => {})
    }
  }

  close (error?: Error): void {
    if (this.closed) return
    this.closed = true
    for (const waiter of this.waiters.values()) waiter.reject(error ?? new Error('session closed'))
    this.waiters.clear()
    if (error !== undefined) this.channel.abort(error.message)
    else void this.channel.close()
    this.events?.onClose(this, error)
  }

  /** Sends `message` (unless `asked`: it went out already, and its answer may be here) and waits for the answer. */
  private async ask (key: string, message: Message, asked?: { answer?: Message }): Promise<Message> {
    if (this.closed) throw new Error('session closed')
    if (asked?.answer !== undefined) return asked.answer
    if (this.waiters.has(key)) throw new Error(`already waiting for ${key}`)
    const reply = new Promise<Message>((resolve, reject) => this.waiters.set(key, { resolve, reject }))
    // The session may close while the question is still being written: that rejection is seen
    // below, and must not count as unhandled meanwhile.
    reply.catch(() => {})
    if (asked === undefined) await this.channel.write(message)
    try {
      return await withTimeout(reply, HANDSHAKE_TIMEOUT_MS, `no answer to ${message.type}`)
    } catch (err) {
      if (err instanceof PeerStalled) this.gaveUp.add(key)
      throw err
    } finally {
      this.waiters.delete(key)
    }
  }

  private resolve (key: string, message: Message): void {
    const waiter = this.waiters.get(key)
    if (waiter === undefined && this.early?.keep(message) === true) return
    if (waiter === undefined && this.gaveUp.delete(key)) return
    if (waiter === undefined) throw new ProtocolViolation(`unsolicited ${message.type}`)
    this.waiters.delete(key)
    waiter.resolve(message)
  }

  private async readLoop (): Promise<void> {
    try {
      for await (const message of this.messages) {
        if (this.closed) return
        this.dispatch(message)
      }
      this.close()
    } catch (err: any) {
      this.close(err instanceof Error ? err : new Error(String(err)))
    }
  }

  private dispatch (message: Message): void {
    const events = this.events as PeerSessionEvents
    switch (message.type) {
      case 'piece':
        if (!this.inFlight.has(message.piece)) {
          // Sent with the manifest (1.1.0): kept until asked for. Else a piece we cancelled can
          // cross the cancel on the wire: drop it quietly.
          this.early?.keep(message)
          return
        }
        this.inFlight.delete(message.piece)
        this.lastPieceAt = Date.now()
        this.throughput.add(message.data.byteLength)
        events.onPiece(this, message.piece, message.data)
        return
      case 'reject':
        if (this.inFlight.delete(message.piece)) events.onReject(this, message.piece)
        return
      case 'have':
        if (message.piece >= this.remotePieceCount) throw new ProtocolViolation('have out of range')
        this.remoteBits[message.piece >> 3] = (this.remoteBits[message.piece >> 3] ?? 0) | (0x80 >> (message.piece & 7))
        events.onHave(this, message.piece)
        return
      case 'manifest':
        this.resolve('manifest', message)
        return
      case 'hashes':
        this.resolve(`hashes:${message.file}`, message)
        return
      case 'peers':
        this.resolve('peers', message)
        return
      default:
        throw new ProtocolViolation(`unexpected ${message.type}`)
    }
  }
}

export async function withTimeout<T> (promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new PeerStalled(what)), ms) })
    ])
  } finally {
    clearTimeout(timer)
  }
}
