import { test } from 'node:test'
import { strict as assert } from 'node:assert'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { ErrorCode } from '../../src/errors.js'
import { encodeManifest, manifestCid } from '../../src/content/manifest.js'
import { formatLink, parseLink, MAX_LINK_PEERS } from '../../src/content/link.js'

const cid = manifestCid(encodeManifest({ version: 1, name: 'x', kind: 'dir', pieceSize: 16384, files: [] }))
const peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
const tcp = multiaddr(`/ip4/192.0.2.7/tcp/4001/p2p/${peerId}`)
const dns = multiaddr(`/dns4/seed.example.org/tcp/443/wss/p2p/${peerId}`)

function assertBadLink (text: string, label = text): void {
  assert.throws(() => parseLink(text), (err: any) => {
    assert.equal(err.code, ErrorCode.BadLink, label)
    assert.ok(!err.message.includes('\n'))
    return true
  }, label)
}

test('links round trip', () => {
  const text = formatLink({ cid, peers: [tcp, dns] })
  assert.equal(text, `shoal://${cid.toString()}?peer=${encodeURIComponent(tcp.toString())}&peer=${encodeURIComponent(dns.toString())}`)
  const parsed = parseLink(text)
  assert.ok(parsed.cid.equals(cid))
  assert.deepEqual(parsed.peers.map(p => p.toString()), [tcp.toString(), dns.toString()])
  assert.equal(formatLink({ cid, peers: [] }), `shoal://${cid.toString()}`)
})

test('accepts a bare CID, unencoded addresses, whitespace and unknown parameters', () => {
  const bare = parseLink(`  ${cid.toString()}\n`)
  assert.ok(bare.cid.equals(cid))
  assert.deepEqual(bare.peers, [])
  assert.ok(parseLink(cid.toString().toUpperCase()).cid.equals(cid))

  const raw = parseLink(`shoal://${cid.toString()}?name=holiday&peer=${tcp.toString()}&peer=${tcp.toString()}#top`)
  assert.deepEqual(raw.peers.map(p => p.toString()), [tcp.toString()]) // duplicate dropped
  assert.ok(parseLink(`SHOAL://${cid.toString()}/`).cid.equals(cid))
})

test('rejects garbage with BadLink', () => {
  const garbage = [
    '', 'hello', 'https://example.org', 'shoal://', 'shoal://nope', 'shoal:' + cid.toString(),
    `${cid.toString()}?peer=${tcp.toString()}`, // a bare CID takes no parameters
    'QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC', // CIDv0, not a Shoal content ID
    CID.createV1(0x55, cid.multihash).toString(), // raw codec
    `shoal://${cid.toString()}x`,
    'x'.repeat(100_000)
  ]
  for (const text of garbage) assertBadLink(text, text.slice(0, 60))
  assert.throws(() => parseLink('not a link\nsecond line'), { message: 'not a Shoal link or content ID: "not a link\\nsecond line"' })
})

test('rejects bad peers', () => {
  const base = `shoal://${cid.toString()}?peer=`
  assertBadLink(base + encodeURIComponent('/ip4/192.0.2.7/tcp/4001'), 'no /p2p/')
  assertBadLink(base + '/ip4/192.0.2.7/tcp/4001/p2p/notapeerid', 'bad peer id')
  assertBadLink(base + '/ip4/999.0.0.1/tcp/1/p2p/' + peerId, 'bad address')
  assertBadLink(base + 'garbage', 'not a multiaddr')
  assertBadLink(base + encodeURIComponent(`/p2p/${peerId}/ip4/192.0.2.7/tcp/1`), '/p2p/ not last')
  const many = Array.from({ length: MAX_LINK_PEERS + 1 }, (_, i) => `peer=/ip4/192.0.2.${i}/tcp/1/p2p/${peerId}`).join('&')
  assertBadLink(`shoal://${cid.toString()}?${many}`, 'too many peers')
  const enough = Array.from({ length: MAX_LINK_PEERS }, (_, i) => `peer=/ip4/192.0.2.${i}/tcp/1/p2p/${peerId}`).join('&')
  assert.equal(parseLink(`shoal://${cid.toString()}?${enough}`).peers.length, MAX_LINK_PEERS)
})

test('formatLink refuses peers it could not parse back', () => {
  assert.throws(() => formatLink({ cid, peers: [multiaddr('/ip4/192.0.2.7/tcp/4001')] }), { code: ErrorCode.BadArgument })
  assert.throws(() => formatLink({ cid, peers: Array(MAX_LINK_PEERS + 1).fill(tcp) }), { code: ErrorCode.BadArgument })
})
