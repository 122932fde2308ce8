import type { Connection, Stream } from '@libp2p/interface'
import { MessageChannel } from './message-channel.js'
import type { ContentRegistry } from './registry.js'
import type { SwarmContent } from './swarm-content.js'
import type { PeerScores } from './peer-scores.js'
import { PROTOCOL, MAX_PEERS_PER_MESSAGE } from './wire/constants.js'
import type { Message, PeerRecord } from './wire/messages.js'
import { CID } from 'multiformats/cid'
import type { TokenBucket } from './token-bucket.js'
import { HANDSHAKE_TIMEOUT_MS, MAX_STREAMS_PER_PEER } from './constants.js'
import { RequestQueue } from './request-queue.js'

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
 * pushes `have` as new pieces are verified. Every piece is re-hashed before it is sent.
 */
export class Provider {
  private readonly components: ProviderComponents
  private readonly streamsPerPeer = new Map<string, number>()

  constructor (components: ProviderComponents) {
    this.components = components
  }

  async start (): Promise<void> {
    await this.components.handle(PROTOCOL, (stream, connection) => {
      void this.serve(stream, connection.remotePeer.toString())
    }, { maxInboundStreams: MAX_STREAMS_PER_PEER * 4 })
  }

  async stop (): Promise<void> {
    await this.components.unhandle(PROTOCOL)
  }

  private async serve (stream: Stream, peerId: string): Promise<void> {
    const channel = new MessageChannel(stream)
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
    } catch {
      // A peer that breaks the protocol or vanishes only loses its own stream.
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
    if (first?.type !== 'open') {
      channel.abort('expected open')
      return
    }
    let key: string
    try {
      key = CID.decode(first.cid).toString()
    } catch {
      channel.abort('bad cid')
      return
    }
    this.components.registry.notePeer(key, peerId)
    const content = this.components.registry.get(key)
    if (content === undefined) {
      await channel.write({ type: 'not-found' })
      await channel.close()
      return
    }
    await channel.write({ type: 'bitfield', pieceCount: content.layout.pieceCount, bits: content.bitfield.toBytes() })
    const unsubscribe = content.onHave((piece) => { void channel.write({ type: 'have', piece }).catch(() => {}) })
    const queue = new RequestQueue(content, channel, peerId, this.components.onUpload, this.components.uploadLimit)
    try {
      for await (const message of messages) {
        await this.answer(message, content, channel, queue, peerId, key)
      }
    } finally {
      unsubscribe()
      queue.clear()
    }
    await channel.close()
  }

  private async answer (message: Message, content: SwarmContent, channel: MessageChannel, queue: RequestQueue, peerId: string, key: string): Promise<void> {
    switch (message.type) {
      case 'get-manifest':
        await channel.write({ type: 'manifest', signed: content.signed })
        return
      case 'get-hashes':
        if (message.file >= content.manifest.files.length) throw new Error('no such file')
        await channel.write({ type: 'hashes', file: message.file, hashes: content.fileHashes(message.file) })
        return
      case 'request':
        if (message.piece >= content.layout.pieceCount) throw new Error('no such piece')
        queue.add(message.piece)
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
        throw new Error(`unexpected ${message.type}`)
    }
  }
}

async function firstMessage (messages: AsyncGenerator<Message>): Promise<Message | undefined> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<undefined>(resolve => { timer = setTimeout(() => resolve(undefined), HANDSHAKE_TIMEOUT_MS) })
  try {
    const next = await Promise.race([messages.next(), timeout])
    return next === undefined || next.done === true ? undefined : next.value
  } finally {
    clearTimeout(timer)
  }
}
