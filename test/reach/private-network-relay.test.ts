/**
 * Private networks: with a network key, relaying works only among members. A member behind a
 * NAT (stated private) reserves on a member relay and is reached through it; a node with another
 * key gets no reservation from that relay and cannot reach the member through it.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { generateNetworkKey, parseNetworkKey } from '../../src/net/network-key.js'
import type { ShoalNode } from '../../src/node/node.js'
import { reachOf } from '../../src/reach/index.js'
import { TestSwarm } from '../helpers/swarm.js'

async function until (what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}

const direct = (node: ShoalNode): string => node.addrs().find(a => !a.includes('/p2p-circuit')) as string

test('with a network key, only members reserve on a member relay and reach each other through it', { timeout: 60_000 }, async (t) => {
  const swarm = new TestSwarm()
  t.after(async () => await swarm.cleanup())
  const key = parseNetworkKey(new TextEncoder().encode(generateNetworkKey()))
  const otherKey = parseNetworkKey(new TextEncoder().encode(generateNetworkKey()))
  const relay = await swarm.node('relay', { networkKey: key, reach: { reachability: 'public' } })
  const member = await swarm.node('member', { networkKey: key, reach: { reachability: 'private' }, bootstrap: [direct(relay)] })
  const outsider = await swarm.node('outsider', { networkKey: otherKey, reach: { reachability: 'private' }, bootstrap: [direct(relay)] })
  await until('the member\'s reservation', () => reachOf(member).relays.includes(relay.peerId))
  const circuit = member.addrs().find(a => a.includes('/p2p-circuit')) as string
  assert.ok(circuit !== undefined)

  const peer = await swarm.node('peer', { networkKey: key, reach: { reachability: 'private', relayService: false } })
  assert.equal(await peer.connect(circuit), member.peerId, 'a member reaches the member through the relay')
  await assert.rejects(outsider.connect(circuit), /cannot connect/, 'an outsider reached a member through the relay')
  assert.deepEqual(reachOf(outsider).relays, [], 'an outsider got a reservation on a member relay')
})
