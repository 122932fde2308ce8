/**
 * The WebSockets listener web pages reach a node through: a get given only a `/ws` address
 * downloads over it, a private network's key guards it as it guards TCP, and `--no-ws` turns it off.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { formatLink } from '../../src/content/link.js'
import { ErrorCode } from '../../src/errors.js'
import { generateNetworkKey, parseNetworkKey } from '../../src/net/network-key.js'
import { isWebSocketsAddr, overWebSockets, webSocketsListen } from '../../src/net/websockets.js'
import type { ShoalNode } from '../../src/node/node.js'
import { GET_TIMEOUT_MS, hashFile, MiB, TEST_TIMEOUT_MS, TestSwarm, writeRandomFile } from '../helpers/swarm.js'

const SIZE = 2 * MiB + 777
/** An outsider's get can only fail: it gives up after this long. */
const OUTSIDER_TIMEOUT_MS = 3_000

function wsAddrs (node: ShoalNode): string[] {
  return node.addrs().filter(isWebSocketsAddr)
}

/** A link that names the seeder by its WebSockets addresses only. */
function wsLink (cid: string, node: ShoalNode): string {
  return formatLink({ cid: CID.parse(cid), peers: wsAddrs(node).map(a => multiaddr(a)) })
}

test('a get given only a /ws address downloads over WebSockets', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const swarm = new TestSwarm()
  t.after(async () => await swarm.cleanup())
  const path = join(await swarm.dir('source'), 'talk.bin')
  const hash = await writeRandomFile(path, SIZE)
  // Direct connections off: the pieces must ride the libp2p connection the link's address opened.
  const seeder = await swarm.node('seeder', { direct: false, reach: false })
  assert.equal(wsAddrs(seeder).length, 1, `one ws address on loopback: ${seeder.addrs().join(' ')}`)
  assert.match(wsAddrs(seeder)[0] as string, /^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/ws\/p2p\//)
  const shared = await seeder.share(path)
  // The shoal:// link keeps the addresses nodes dial, as before WebSockets: the web link has those.
  assert.ok(!shared.link.includes('%2Fws%2F'), shared.link)

  const leecher = await swarm.node('leecher', { direct: false, reach: false })
  const result = await leecher.get(wsLink(shared.cid, seeder), { output: await swarm.dir('out'), timeoutMs: GET_TIMEOUT_MS })
  assert.equal(await hashFile(result.path), hash, 'downloaded bytes differ from the shared ones')
  assert.deepEqual(result.peers, { [seeder.peerId]: SIZE })
  const toSeeder = leecher.connections().find(c => c.peerId === seeder.peerId)
  assert.ok(toSeeder?.addrs.every(a => a.includes('/ws')), `connected over ws: ${toSeeder?.addrs.join(' ')}`)
})

test('a network key guards the WebSockets listener too', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const swarm = new TestSwarm()
  t.after(async () => await swarm.cleanup())
  const key = parseNetworkKey(new TextEncoder().encode(generateNetworkKey()))
  const path = join(await swarm.dir('source'), 'plans.bin')
  const hash = await writeRandomFile(path, SIZE)
  const alice = await swarm.node('alice', { networkKey: key, reach: false })
  const shared = await alice.share(path)

  const bob = await swarm.node('bob', { networkKey: key, reach: false })
  const result = await bob.get(wsLink(shared.cid, alice), { output: await swarm.dir('out-bob'), timeoutMs: GET_TIMEOUT_MS })
  assert.equal(await hashFile(result.path), hash)

  const outsider = await swarm.node('outsider', { reach: false })
  await assert.rejects(outsider.connect(wsAddrs(alice)[0] as string), { code: ErrorCode.Unreachable })
  await assert.rejects(outsider.get(wsLink(shared.cid, alice), { output: await swarm.dir('out-outsider'), timeoutMs: OUTSIDER_TIMEOUT_MS }), { code: ErrorCode.Timeout })
})

test('--no-ws: no WebSockets address; --announce: an address announced as given', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const swarm = new TestSwarm()
  t.after(async () => await swarm.cleanup())
  const quiet = await swarm.node('quiet', { webSockets: false, reach: false })
  assert.deepEqual(wsAddrs(quiet), [])
  const proxied = await swarm.node('proxied', { reach: false, announce: ['/dns4/seed.example.org/tcp/443/tls/ws'] })
  assert.ok(proxied.addrs().includes(`/dns4/seed.example.org/tcp/443/tls/ws/p2p/${proxied.peerId}`), proxied.addrs().join(' '))
})

test('WebSockets listen on each TCP host, on the port asked, over TLS with a certificate', () => {
  assert.deepEqual(webSocketsListen(['/ip4/0.0.0.0/tcp/0', '/ip6/::/tcp/4001', '/ip4/0.0.0.0/tcp/4002'], { port: 4003 }), ['/ip4/0.0.0.0/tcp/4003/ws', '/ip6/::/tcp/4003/ws'])
  assert.deepEqual(webSocketsListen(['/ip4/127.0.0.1/tcp/0'], { certFile: 'c.pem', keyFile: 'k.pem' }), ['/ip4/127.0.0.1/tcp/0/tls/ws'])
  assert.deepEqual(webSocketsListen(['/ip4/127.0.0.1/tcp/0/ws', '/p2p-circuit'], {}), [])
  assert.ok(isWebSocketsAddr('/dns4/a.example/tcp/443/tls/ws/p2p/12D3KooW'))
  assert.ok(!isWebSocketsAddr('/ip4/127.0.0.1/tcp/1/p2p/12D3KooW'))
  assert.ok(overWebSockets('/ip4/10.0.0.1/tcp/1/ws/p2p/12D3KooWA/p2p-circuit/p2p/12D3KooWB'))
  assert.ok(!overWebSockets('/ip4/10.0.0.1/tcp/1/p2p/12D3KooWA/p2p-circuit/webrtc/p2p/12D3KooWB'))
})
