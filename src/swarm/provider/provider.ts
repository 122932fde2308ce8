import type { Connection, Stream } from '@libp2p/interface'
import { streamPipe, type Pipe } from '../../net/pipe.js'
import { MessageChannel } from '../common/message-channel.js'
import type { ContentRegistry } from '../common/registry.js'
import type { SwarmContent } from '../common/swarm-content.js'
import type { PeerScores } from '../common/peer-scores.js'
import { PROTOCOL, MAX_PEERS_PER_MESSAGE } from '../wire/constants.js'
import type { Message, PeerRecord } from '../wire/messages.js'
import { CID } from 'multiformats/cid'
import type { TokenBucket } from '../common/token-bucket.js'
import { HANDSHAKE_TIMEOUT_MS } from '../common/constants.js'
import { MAX_STREAMS_PER_PEER } from './constants.js'
import { RequestQueue } from './request-queue.js'
import { FloodGuard, RequesterFlood } from './flood-guard.js'
import { faultOf, PeerStalled, ProtocolViolation } from '../common/faults.js'

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
}

/**
 * The serving side of `/shoal/swarm/1.0.0`: answers `open`, `get-manifest`, `get-hashes`,
 * `request` and `get-peers` for any content in the registry, complete or still downloading, and
 * pushes `have` as new pieces are verified. A piece is hashed before it is sent unless its file is
 * unchanged since it was verified (serve-check.ts).
 */
export class Provider {
  private readonly components: ProviderComponents
  private readonly streamsPerPeer = new Map<string, number>()

  constructor (components: ProviderComponents) {
    this.components = components
  }

  async start (): Promise<void> {
    await this.components.handle(PROTOCOL, (stream, connection) => {
      void this.serve(streamPipe(stream), connection.remotePeer.toString())
    }, { maxInboundStreams: MAX_STREAMS_PER_PEER * 4 })
  }

  async stop (): Promise<void> {
    await this.components.unhandle(PROTOCOL)
  }

  /** Serves one pipe from `peerId` (libp2p streams come through `start`'s handler, direct connections from net/direct). */
  async serve (pipe: Pipe, peerId: string): Promise<void> {
    const channel = new MessageChannel(pipe)
    if (this.components.scores.isBanned(peerId)) {
      channel.abort('peer is banned')
      return
    }
    const open = (this.streamsPerPeer.get(peerId) ?? 0) + 1
    this.streamsPerPeer.set(peerId, open)
    try {
      if (open > MAX_STREAMS_PER_PEER) {
        channel.abort('too many streams')
        return
      }
      await this.converse(channel, peerId)
    } catch (err) {
      // A peer that breaks the protocol or vanishes only loses its own stream; a broken protocol,
      // silence or a flood also costs it score (and, repeated, a ban).
      const fault = err instanceof RequesterFlood ? 'flood' : faultOf(err)
      if (fault !== undefined) this.components.scores.fault(peerId, fault)
      channel.abort('protocol error')
    } finally {
      const left = (this.streamsPerPeer.get(peerId) ?? 1) - 1
      if (left <= 0) this.streamsPerPeer.delete(peerId)
      else this.streamsPerPeer.set(peerId, left)
    }
  }

  private async converse (channel: MessageChannel, peerId: string): Promise<void> {
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
    const queue = new RequestQueue(content, channel, peerId, this.components.onUpload, this.components.uploadLimit)
    const guard = new FloodGuard()
    content.seeding.streamOpened()
    try {
      for await (const message of messages) {
        guard.check(message)
        await this.answer(message, content, channel, queue, peerId, key, guard)
      }
    } finally {
      content.seeding.streamClosed()
      unsubscribe()
      haves.stop()
      queue.clear()
    }
    await channel.close()
  }

  private async answer (message: Message, content: SwarmContent, channel: MessageChannel, queue: RequestQueue, peerId: string, key: string, guard: FloodGuard): Promise<void> {
    switch (message.type) {
      case 'get-manifest':
        await channel.write({ type: 'manifest', signed: content.signed })
        return
      case 'get-hashes':
        if (message.file >= content.manifest.files.length) throw new ProtocolViolation('no such file')
        await channel.write({ type: 'hashes', file: message.file, hashes: content.fileHashes(message.file) })
        return
      case 'request':
        if (message.piece >= content.layout.pieceCount) throw new ProtocolViolation('no such piece')
        if (content.complete && content.seeding.shouldDefer(message.piece)) {
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
