/**
 * A hostile peer joins a swarm: it has the real manifest and piece hashes (copied from the honest
 * seeder over the protocol, as any peer can), claims every piece, and answers every request with
 * a corrupted piece. The downloader detects each bad piece by its hash, bans the liar, fetches
 * the piece elsewhere, and the output is still byte for byte the original.
 *
 * The liar is a bare libp2p node (TCP, Noise, Yamux, identify: the stack of docs/protocol.md §1)
 * speaking `/shoal/swarm/1.0.0` through the codec of src/swarm/wire, not a ShoalNode.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { open, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import type { Libp2p, Stream } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { CID } from 'multiformats/cid'
import { decodeSignedManifest, verifySignedManifest } from '../../src/content/envelope.js'
import { PieceLayout } from '../../src/content/layout.js'
import type { Manifest } from '../../src/content/manifest.js'
import { Bitfield } from '../../src/swarm/bitfield.js'
import { encodeMessage, PROTOCOL, readMessages, type Message } from '../../src/swarm/wire/index.js'
import { attributed, GET_TIMEOUT_MS, hashFile, LOOPBACK, MiB, TEST_TIMEOUT_MS, TestSwarm, linkVia, writeRandomFile } from '../helpers/swarm.js'

const SIZE = 4 * MiB + 1234
/** The honest seeder is slowed down so the liar is surely asked for pieces before the end. */
const SEEDER_UPLOAD_LIMIT = 2 * MiB

/** What the liar copied from the honest seeder. */
interface Stolen { cid: CID, signed: Uint8Array, manifest: Manifest, layout: PieceLayout, hashes: Uint8Array[] }

async function send (stream: Stream, message: Message): Promise<void> {
  let ok = true
  for (const chunk of encodeMessage(message)) ok = stream.send(chunk)
  if (!ok) await stream.onDrain()
}

/** Opens a swarm stream to `addr` and fetches the signed manifest and every file's hash list. */
async function copyMetadata (liar: Libp2p, addr: string, cid: CID): Promise<Stolen> {
  const stream = await liar.dialProtocol(multiaddr(addr), PROTOCOL, { signal: AbortSignal.timeout(10_000) })
  const messages = readMessages(stream, { signal: AbortSignal.timeout(10_000) })
  const next = async (): Promise<Message> => {
    const { value, done } = await messages.next()
    if (done === true) throw new Error('seeder closed the stream')
    return value
  }
  await send(stream, { type: 'open', cid: cid.bytes })
  assert.equal((await next()).type, 'bitfield')
  await send(stream, { type: 'get-manifest' })
  const reply = await next()
  assert.ok(reply.type === 'manifest')
  const signed = new Uint8Array(reply.signed)
  const { manifest } = await verifySignedManifest(decodeSignedManifest(signed), cid)
  const layout = new PieceLayout(manifest)
  const hashes: Uint8Array[] = []
  for (let file = 0; file < manifest.files.length; file++) {
    await send(stream, { type: 'get-hashes', file })
    const answer = await next()
    assert.ok(answer.type === 'hashes' && answer.file === file)
    hashes.push(new Uint8Array(answer.hashes))
  }
  await stream.close()
  return { cid, signed, manifest, layout, hashes }
}

/**
 * Serves `stolen` like an honest provider would (bitfield claiming every piece, manifest, hashes),
 * except that every piece it sends has one byte flipped: right length, wrong hash.
 */
function serveLies (liar: Libp2p, stolen: Stolen, source: FileHandle, counts: { requests: number, piecesSent: number }): void {
  void liar.handle(PROTOCOL, (stream: Stream) => {
    void (async () => {
      try {
        for await (const message of readMessages(stream)) {
          switch (message.type) {
            case 'open':
              if (!Buffer.from(message.cid).equals(stolen.cid.bytes)) {
                await send(stream, { type: 'not-found' })
                await stream.close()
                return
              }
              await send(stream, { type: 'bitfield', pieceCount: stolen.layout.pieceCount, bits: Bitfield.full(stolen.layout.pieceCount).toBytes() })
              break
            case 'get-manifest':
              await send(stream, { type: 'manifest', signed: stolen.signed })
              break
            case 'get-hashes':
              await send(stream, { type: 'hashes', file: message.file, hashes: stolen.hashes[message.file] ?? new Uint8Array() })
              break
            case 'request': {
              counts.requests++
              const { offset, length } = stolen.layout.locate(message.piece)
              const data = Buffer.alloc(length)
              await source.read(data, 0, length, offset)
              data[length >> 1] = (data[length >> 1] ?? 0) ^ 0xff
              await send(stream, { type: 'piece', piece: message.piece, data })
              counts.piecesSent++
              break
            }
            case 'get-peers':
              await send(stream, { type: 'peers', peers: [] })
              break
            default:
              break // cancel: the liar does not care
          }
        }
      } catch {
        // The downloader resets the stream once it catches the lie.
      }
    })()
  }, { maxInboundStreams: 64 })
}

test('a peer that serves wrong pieces is detected and banned; the output is still correct', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const swarm = new TestSwarm()
  let liar: Libp2p | undefined
  let source: FileHandle | undefined
  t.after(async () => {
    await Promise.resolve(liar?.stop()).catch(() => {})
    await source?.close().catch(() => {})
    await swarm.cleanup()
  })

  const path = join(await swarm.dir('source'), 'firmware.img')
  const sourceHash = await writeRandomFile(path, SIZE)
  const seeder = await swarm.node('seeder', { uploadLimit: SEEDER_UPLOAD_LIMIT })
  const shared = await seeder.share(path)

  liar = await createLibp2p({
    addresses: { listen: [LOOPBACK] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() }
  })
  const stolen = await copyMetadata(liar, seeder.addrs()[0] as string, CID.parse(shared.cid))
  assert.equal(stolen.layout.pieceCount, shared.pieces)
  source = await open(path, 'r')
  const counts = { requests: 0, piecesSent: 0 }
  serveLies(liar, stolen, source, counts)
  const liarId = liar.peerId.toString()

  const downloader = await swarm.node('downloader')
  const link = linkVia(shared.cid, [seeder, { addrs: () => liar?.getMultiaddrs().map(a => a.toString()) ?? [] }])
  const result = await downloader.get(link, { output: await swarm.dir('downloads'), timeoutMs: GET_TIMEOUT_MS })

  assert.ok(counts.requests > 0, 'the liar was never asked for a piece: the test proves nothing')
  assert.ok(counts.piecesSent > 0, 'the liar never sent a piece')
  assert.equal(await hashFile(result.path), sourceHash, 'downloaded bytes differ from the shared ones')
  assert.equal(result.bytes, SIZE)
  assert.ok(downloader.bannedPeers().includes(liarId), 'the liar is banned')
  assert.ok(!downloader.bannedPeers().includes(seeder.peerId), 'the honest seeder is not banned')
  assert.equal(result.peers[liarId], undefined, `bytes attributed to the liar: ${JSON.stringify(result.peers)}`)
  assert.deepEqual(result.peers, { [seeder.peerId]: SIZE }, 'every byte came from the honest seeder')
  assert.equal(attributed(result), result.received)
  assert.equal(result.publisher, seeder.peerId)
})
