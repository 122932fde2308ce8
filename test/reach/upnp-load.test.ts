/**
 * UPnP's modules (@libp2p/upnp-nat, its XML and SSDP parts) are loaded only by a node that maps
 * ports (reach/upnp.ts): the network extension asks for them through `load`, which createNetwork
 * awaits before it makes any service. A node kept to loopback neither maps nor loads them.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { reachNetwork } from '../../src/reach/network.js'

test('a node listening beyond loopback gets a UPnP service, made from the module its extension loads', async () => {
  const extension = reachNetwork({}, ['/ip4/0.0.0.0/tcp/0'])
  const make = extension.services?.upnp
  assert.ok(make !== undefined, 'a UPnP service is configured')
  assert.ok(extension.load !== undefined, 'with the load step that brings its module')
  await extension.load()
  const peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  const log = Object.assign(() => {}, { error: () => {}, trace: () => {}, enabled: false })
  const logger = { forComponent: () => log }
  // Made, not started: starting would search the LAN for routers.
  const service = make({ logger, peerId, nodeInfo: { name: 'shoal', version: '0' } }) as { portMappers?: unknown[], onGatewayDiscovered?: unknown }
  assert.ok(Array.isArray(service.portMappers))
  assert.equal(typeof service.onGatewayDiscovered, 'function')
})

test('a node kept to loopback maps no port and loads nothing for it', () => {
  const extension = reachNetwork({}, ['/ip4/127.0.0.1/tcp/0'])
  assert.equal(extension.services?.upnp, undefined)
  assert.equal(extension.load, undefined)
})
