import { test } from 'node:test'
import { strict as assert } from 'node:assert'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { PeerId } from '@libp2p/interface'
import { DESCRIBE_CACHE_MS, DESCRIBE_CACHE_PEERS, PeerBook } from '../../src/node/peer-book.js'
import type { ShoalLibp2p } from '../../src/net/libp2p.js'

async function newPeerId (): Promise<PeerId> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
}

/** Just the part of libp2p that PeerBook.describe uses: a peer store that counts its reads. */
function fakeLibp2p (addrsOf: (id: string) => string[]): { libp2p: ShoalLibp2p, reads: string[] } {
  const reads: string[] = []
  const peerStore = {
    get: async (peerId: PeerId) => {
      reads.push(peerId.toString())
      return { addresses: addrsOf(peerId.toString()).map(a => ({ multiaddr: multiaddr(a), isCertified: false })) }
    }
  }
  return { libp2p: { peerStore } as unknown as ShoalLibp2p, reads }
}

test('peer exchange answers read the peer store once per peer per DESCRIBE_CACHE_MS', async () => {
  const [a, b] = [await newPeerId(), await newPeerId()]
  let addr = '/ip4/10.0.0.1/tcp/4001'
  const { libp2p, reads } = fakeLibp2p(id => id === a.toString() ? [addr] : [])
  let now = 1_000
  const book = new PeerBook(libp2p, () => now)

  const first = await book.describe([a.toString(), b.toString()])
  assert.equal(first.length, 1, 'a peer without an address is left out')
  assert.deepEqual(first[0]?.addrs, [multiaddr(addr).bytes])
  assert.deepEqual(first[0]?.id, a.toMultihash().bytes)

  addr = '/ip4/10.0.0.2/tcp/4001'
  now += DESCRIBE_CACHE_MS - 1
  const again = await book.describe([a.toString(), b.toString()])
  assert.equal(reads.length, 2, 'within the cache time no new read, also for a peer without addresses')
  assert.deepEqual(again[0]?.addrs, first[0]?.addrs)

  now += 1
  const later = await book.describe([a.toString()])
  assert.equal(reads.length, 3, 'after DESCRIBE_CACHE_MS the peer store is read again')
  assert.deepEqual(later[0]?.addrs, [multiaddr(addr).bytes], 'and the new address is given out')
})

test('the cache holds at most DESCRIBE_CACHE_PEERS peers; the oldest read goes first', async () => {
  const { libp2p, reads } = fakeLibp2p(() => ['/ip4/10.0.0.1/tcp/4001'])
  const book = new PeerBook(libp2p, () => 0)
  const ids: string[] = []
  for (let i = 0; i <= DESCRIBE_CACHE_PEERS; i++) ids.push((await newPeerId()).toString())
  await book.describe(ids.slice(0, DESCRIBE_CACHE_PEERS))
  await book.describe(ids.slice(0, DESCRIBE_CACHE_PEERS))
  assert.equal(reads.length, DESCRIBE_CACHE_PEERS, 'a full cache answers every peer it holds')
  await book.describe([ids[DESCRIBE_CACHE_PEERS] as string]) // one more than the cache holds
  await book.describe([ids[1] as string, ids[DESCRIBE_CACHE_PEERS - 1] as string])
  assert.equal(reads.length, DESCRIBE_CACHE_PEERS + 1, 'the others stayed')
  await book.describe([ids[0] as string])
  assert.equal(reads.length, DESCRIBE_CACHE_PEERS + 2, 'the oldest read was dropped')
})

test('a malformed peer ID is left out, not thrown', async () => {
  const { libp2p } = fakeLibp2p(() => ['/ip4/10.0.0.1/tcp/4001'])
  assert.deepEqual(await new PeerBook(libp2p).describe(['not-a-peer-id']), [])
})
