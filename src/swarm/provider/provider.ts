import type { Connection, Stream } from '@libp2p/interface'
import { streamPipe, type ServedPipe } from '../../net/pipe.js'
import { remoteHost } from '../../net/remote-address.js'
import { addressKey } from '../../budget/address.js'
import { PROVIDER_STREAM_READ_BYTES } from '../../budget/constants.js'
import type { MemoryBudget, StreamBudget } from '../../budget/memory-budget.js'
import { MessageChannel, ReaderStalled, type ReaderStallLimit } from '../common/message-channel.js'
import type { ContentRegistry } from '../common/registry.js'
import type { SwarmContent } from '../common/swarm-content.js'
import type { PeerScores } from '../common/peer-scores.js'
import { PROTOCOL_1_1, SWARM_PROTOCOLS, MAX_PEERS_PER_MESSAGE, MAX_REQUESTER_FRAME_BYTES } from '../wire/constants.js'
import type { Message, PeerRecord } from '../wire/messages.js'
import { CID } from 'multiformats/cid'
import type { TokenBucket } from '../common/token-bucket.js'
import { HANDSHAKE_TIMEOUT_MS } from '../common/constants.js'
import { FRAME_DEADLINE_MS, MAX_STREAMS_PER_PEER, READER_STALL_MIN_BYTES, READER_STALL_WINDOW_MS } from './constants.js'
import { FrameDeadlineExceeded } from '../wire/frame-reader.js'
import { RequestQueue } from './request-queue.js'
import { FloodGuard, RequesterFlood } from './flood-guard.js'
import { faultOf, PeerStalled, ProtocolViolation } from '../common/faults.js'
import { InlineContent } from './inline-content.js'

export interface ProviderComponents {
  registry: ContentRegistry
  scores: PeerScores
  /** Registers the stream handler (libp2p's `handle`). */
  handle: (protocol: string, handler: (stream: Stream, connection: Connection) => void, options: { maxInboundStreams: number }) => Promise<void>
  unhandle: (protocol: string) => Promise<void>
  /** Known addresses of peers, for peer exchange. */
  describePeers: (peerIds: string[]) => Promise<PeerRecord[]>
  /** Called after a piece has been handed to the stream. */
  onUpload?: (peerId: string, bytes: number) => void
  /** Caps the node's total upload rate, if set. */
  uploadLimit?: TokenBucket
  /** What the node may hold for others (budget/): every stream's buffers are taken from it. */
  budget: MemoryBudget
  /** When a requester counts as no longer reading. Default READER_STALL_MIN_BYTES per READER_STALL_WINDOW_MS. */
  readerStall?: ReaderStallLimit
  /** How long a requester has to finish a frame it began. Default FRAME_DEADLINE_MS. */
  frameDeadlineMs?: number
}


/**
 * The serving side of `/shoal/swarm/1.0.0` and `1.1.0`: answers `open`, `get-manifest`,
 * `get-hashes`, `request` and `get-peers` for any content in the registry, complete or still
 * downloading, pushes `have` as new pieces are verified, and on 1.1.0 sends a small content with
 * its manifest (inline-content.ts). A piece is hashed before it is sent unless its file is
 * unchanged since it was verified (serve-check.ts).
 */
export class Provider {
  private readonly components: ProviderComponents
  private readonly streamsPerPeer = new Map<string, number>()

  constructor (components: ProviderComponents) {
    this.components = components
  }

  async start (): Promise<void> {
    for (const protocol of SWARM_PROTOCOLS) {
      await this.components.handle(protocol, (stream, connection) => {
        void this.serve({
          pipe: streamPipe(stream, PROVIDER_STREAM_READ_BYTES),
          peerId: connection.remotePeer.toString(),
          host: remoteHost(connection),
          unreadBytes: PROVIDER_STREAM_READ_BYTES
        })
      }, { maxInboundStreams: MAX_STREAMS_PER_PEER * 4 })
    }
  }

  async stop (): Promise<void> {
    for (const protocol of SWARM_PROTOCOLS) await this.components.unhandle(protocol)
  }

  /** Serves one pipe (libp2p streams come through `start`'s handler, direct connections from net/direct). */
  async serve ({ pipe, peerId, host, unreadBytes }: ServedPipe): Promise<void> {
    const channel = new MessageChannel(pipe, {
      stall: this.components.readerStall ?? { minBytes: READER_STALL_MIN_BYTES, windowMs: READER_STALL_WINDOW_MS },
      maxFrameBytes: MAX_REQUESTER_FRAME_BYTES,
      frameDeadlineMs: this.components.frameDeadlineMs ?? FRAME_DEADLINE_MS
    })
    if (this.components.scores.isBanned(peerId)) {
      channel.abort('peer is banned')
      return
    }
    const open = (this.streamsPerPeer.get(peerId) ?? 0) + 1
    this.streamsPerPeer.set(peerId, open)
    const budget = this.components.budget.open(peerId, addressKey(host))
    try {
      if (open > MAX_STREAMS_PER_PEER) {
        channel.abort('too many streams')
        return
      }
      // What the pipe may buffer unread, and the queue's entries, are held for the whole stream;
      // a node whose budget cannot hold them refuses the stream (no fault: it is busy, not wronged).
      if (!budget.tryTake('receive', unreadBytes)) {
        channel.abort('node busy')
        return
      }
      await this.converse(channel, peerId, budget)
    } catch (err) {
      this.failed(peerId, err)
      channel.abort('protocol error')
    } finally {
      budget.close()
      const left = (this.streamsPerPeer.get(peerId) ?? 1) - 1
      if (left <= 0) this.streamsPerPeer.delete(peerId)
      else this.streamsPerPeer.set(peerId, left)
    }
  }

  /**
   * A peer that breaks the protocol or vanishes only loses its own stream; a broken protocol,
   * silence, a reader that stopped reading or a flood also costs it score (and, repeated, a ban).
   */
  private failed (peerId: string, err: unknown): void {
    if (err instanceof ReaderStalled) this.components.budget.countReset('stalled-reader')
    if (err instanceof FrameDeadlineExceeded) this.components.budget.countReset('partial-frame')
    const fault = err instanceof RequesterFlood ? 'flood' : faultOf(err)
    if (fault !== undefined) this.components.scores.fault(peerId, fault)
  }

  private async converse (channel: MessageChannel, peerId: string, budget: StreamBudget): Promise<void> {
    const messages = channel.messages()
    const first = await firstMessage(messages)
    if (first === undefined) return // the requester left without asking for anything
    if (first === 'timeout') throw new PeerStalled(`no open within ${HANDSHAKE_TIMEOUT_MS} ms`)
    if (first.type !== 'open') throw new ProtocolViolation(`expected open, got ${first.type}`)
    let key: string
    try {
      key = CID.decode(first.cid).toString()
    } catch {
      throw new ProtocolViolation('bad cid')
    }
    this.components.registry.notePeer(key, peerId)
    const content = this.components.registry.get(key)
    if (content === undefined) {
      await channel.write({ type: 'not-found' })
      await channel.close()
      return
    }
    await channel.write({ type: 'bitfield', pieceCount: content.layout.pieceCount, bits: content.bitfield.toBytes() })
    const haves = new HaveBatcher(channel)
    const unsubscribe = content.onHave(piece => haves.add(piece))
    const guard = new FloodGuard()
    const inline = new InlineContent(content, channel.pipe.protocol === PROTOCOL_1_1)
    let queueFailure: unknown
    const queue = new RequestQueue(content, channel, peerId, budget, {
      onUpload: this.components.onUpload,
      limit: this.components.uploadLimit,
      onServed: () => guard.served(),
      onFailure: err => { queueFailure = err },
      onReject: piece => inline.rejected(piece)
    })
    content.seeding.streamOpened()
    try {
      for await (const message of messages) {
        guard.check(message)
        await this.answer(message, content, channel, queue, peerId, key, guard, inline)
      }
    } catch (err) {
      throw queueFailure ?? err
    } finally {
      content.seeding.streamClosed()
      unsubscribe()
      haves.stop()
      queue.clear()
    }
    // The queue's writes failed (a reader that stopped reading): the stream was reset for it.
    if (queueFailure !== undefined) throw queueFailure
    await channel.close()
  }

  private async answer (message: Message, content: SwarmContent, channel: MessageChannel, queue: RequestQueue, peerId: string, key: string, guard: FloodGuard, inline: InlineContent): Promise<void> {
    switch (message.type) {
      case 'get-manifest':
        await channel.write({ type: 'manifest', signed: content.signed })
        await inline.send(channel, queue)
        return
      case 'get-hashes':
        if (message.file >= content.manifest.files.length) throw new ProtocolViolation('no such file')
        await channel.write({ type: 'hashes', file: message.file, hashes: content.fileHashes(message.file) })
        return
      case 'request':
        if (message.piece >= content.layout.pieceCount) throw new ProtocolViolation('no such piece')
        if (inline.answers(message.piece)) return
        // Rejects a requester brings on itself (a piece we never said we have, one a seed spreading
        // its first copies defers, a full queue, a duplicate) count towards the flood bound.
        if (!content.bitfield.has(message.piece) || (content.complete && content.seeding.shouldDefer(message.piece))) {
          guard.overflowed()
          await channel.write({ type: 'reject', piece: message.piece })
          return
        }
        if (!queue.add(message.piece)) guard.overflowed()
        else if (content.complete) content.seeding.sending(message.piece)
        return
      case 'cancel':
        queue.cancel(message.piece)
        return
      case 'get-peers': {
        const ids = this.components.registry.peersOf(key).filter(id => id !== peerId).slice(-MAX_PEERS_PER_MESSAGE)
        const peers = await this.components.describePeers(ids)
        await channel.write({ type: 'peers', peers: peers.slice(0, MAX_PEERS_PER_MESSAGE) })
        return
      }
      default:
        throw new ProtocolViolation(`unexpected ${message.type}`)
    }
  }
}

/** The first message; undefined if the stream ended first, 'timeout' if none came in time. */
async function firstMessage (messages: AsyncGenerator<Message>): Promise<Message | 'timeout' | undefined> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<'timeout'>(resolve => { timer = setTimeout(() => resolve('timeout'), HANDSHAKE_TIMEOUT_MS) })
  try {
    const next = await Promise.race([messages.next(), timeout])
    return next === 'timeout' ? next : next.done === true ? undefined : next.value
  } finally {
    clearTimeout(timer)
  }
}

/** `have` announcements are gathered for this long and sent in one write. */
export const HAVE_BATCH_MS = 25

/**
 * Gathers the pieces a provider stream must announce and sends them together: a downloader that
 * verifies 100 pieces a second would otherwise cost each of its peers 100 tiny writes a second.
 */
class HaveBatcher {
  private pending: number[] = []
  private timer?: NodeJS.Timeout

  constructor (private readonly channel: MessageChannel) {}

  add (piece: number): void {
    this.pending.push(piece)
    this.timer ??= setTimeout(() => this.flush(), HAVE_BATCH_MS)
  }

  stop (): void {
    clearTimeout(this.timer)
    this.pending = []
  }

  private flush (): void {
    this.timer = undefined
    const pieces = this.pending
    this.pending = []
    this.channel.writeBatch(pieces.map(piece => ({ type: 'have', piece }))).catch(() => {})
  }
}
