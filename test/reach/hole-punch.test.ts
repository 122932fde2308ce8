/**
 * Hole punching's parts that run without NAT routers (the punch itself: test/reach/nat-lab.test.ts):
 * which addresses count public, that the DCUtR wrapper still fits the installed @libp2p/dcutr, and
 * that a NATed node learns its punch port's public mapping from a public peer without announcing it.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { createNetwork } from '../../src/net/libp2p.js'
import { createNode, type ShoalNode } from '../../src/node/node.js'
import { REACH_SERVICE, type ReachService } from '../../src/reach/reach-service.js'
import { reachNetwork } from '../../src/reach/network.js'
import { addressOrder } from '../../src/reach/address-order.js'
import { parseCidr, PublicRanges } from '../../src/reach/public-ranges.js'
import { ShoalError } from '../../src/errors.js'

test('public ranges: libp2p\'s private ranges stay private unless stated; a stated range counts public', () => {
  const stock = new PublicRanges()
  const lab = new PublicRanges(['10.82.0.0/16', '2001:db8::/32'])
  assert.equal(stock.isPublic(multiaddr('/ip4/8.8.8.8/tcp/1')), true)
  assert.equal(stock.isPublic(multiaddr('/ip4/10.82.0.2/tcp/1')), false)
  assert.equal(lab.isPublic(multiaddr('/ip4/10.82.0.2/tcp/1')), true)
  assert.equal(lab.isPublic(multiaddr('/ip4/10.83.0.2/tcp/1')), false)
  assert.equal(lab.isPublic(multiaddr('/ip4/192.168.2.2/tcp/1')), false)
  assert.equal(lab.isPublic(multiaddr('/ip6/2001:db8::1/tcp/1')), true)
  assert.deepEqual(parseCidr('10.82.0.0/16'), ['10.82.0.0', 16])
  for (const bad of ['10.82', '10.82.0.0/33', 'lab/16', '::1/129']) assert.throws(() => parseCidr(bad), ShoalError)
})

test('dial order: with a range stated public, a NATed peer\'s relay circuit comes before its LAN address, as on the internet', () => {
  const lan = { multiaddr: multiaddr('/ip4/192.168.2.2/tcp/4001'), isCertified: false }
  const circuit = { multiaddr: multiaddr('/ip4/10.82.0.1/tcp/4001/p2p/12D3KooWQWDFqUN4kje6cf8yV3r7pnU3Zasw2Z2PAs1L7u8Q3UMK/p2p-circuit'), isCertified: false }
  const mapped = { multiaddr: multiaddr('/ip4/10.82.0.2/tcp/4001'), isCertified: false }
  const sorted = [lan, circuit, mapped].sort(addressOrder(new PublicRanges(['10.82.0.0/16'])))
  assert.deepEqual(sorted, [mapped, circuit, lan])
})

test('the DCUtR wrapper fits the installed @libp2p/dcutr: it punches towards stated-public TCP addresses only', async () => {
  const libp2p = await createNetwork({
    privateKey: await generateKeyPair('Ed25519'),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    mdns: false,
    extensions: [reachNetwork({ reachability: 'private', publicRanges: ['10.82.0.0/16'] }, ['/ip4/127.0.0.1/tcp/0'])]
  })
  try {
    const dcutr = (libp2p.services as any).dcutr
    const offered = ['/ip4/10.82.0.3/tcp/4100', '/ip4/192.168.3.2/tcp/4001', '/ip4/10.82.0.1/tcp/4001/p2p/12D3KooWQWDFqUN4kje6cf8yV3r7pnU3Zasw2Z2PAs1L7u8Q3UMK/p2p-circuit', '/ip4/10.82.0.3/udp/4100']
    const kept = dcutr.getDialableMultiaddrs(offered.map(a => multiaddr(a).bytes)).map(String)
    assert.deepEqual(kept, ['/ip4/10.82.0.3/tcp/4100'])
  } finally {
    await libp2p.stop()
  }
})

test('a NATed node learns its punch port\'s public mapping from a public peer, and does not announce it', { timeout: 60_000 }, async () => {
  // The "public" peer listens on 127.0.0.1, stated public by range; the other listens on 127.0.0.2,
  // which stays private, so it looks for its mapping. Its dials to 127.0.0.1 come from 127.0.0.1.
  const root = await mkdtemp(join(tmpdir(), 'shoal-punch-'))
  const nodes: ShoalNode[] = []
  try {
    const relay = await createNode({ dataDir: join(root, 'relay'), listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, reach: { reachability: 'public' } })
    nodes.push(relay)
    const natted = await createNode({
      dataDir: join(root, 'natted'),
      listen: ['/ip4/127.0.0.2/tcp/0'],
      mdns: false,
      bootstrap: [relay.addrs()[0] as string],
      reach: { publicRanges: ['127.0.0.1/32'] }
    })
    nodes.push(natted)
    const reach = natted.service<ReachService>(REACH_SERVICE)
    assert.ok(reach !== undefined)
    const deadline = Date.now() + 30_000
    while (reach.punchMapping().address === undefined && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 100))
    const { port, address } = reach.punchMapping()
    assert.equal(address, `/ip4/127.0.0.1/tcp/${String(port)}`, 'the public peer saw our dial from the punch port')
    assert.equal(reach.status().reachability, 'private', 'a mapping for punching does not make the node public')
    assert.ok(!natted.addrs().some(a => a.includes(`/tcp/${String(port)}/`)), `the punch port is not announced: ${natted.addrs().join(' ')}`)
  } finally {
    for (const node of nodes.reverse()) await node.stop().catch(() => {})
    await rm(root, { recursive: true, force: true })
  }
})
