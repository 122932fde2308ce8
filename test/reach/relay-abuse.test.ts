/**
 * A relay under abuse, on loopback: a peer floods a circuit through a Shoal relay (the relay cuts
 * it at RELAY_CIRCUIT_BYTES), and the relay still gives others reservations and circuits.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { createNetwork, type ShoalLibp2p } from '../../src/net/libp2p.js'
import { RELAY_CIRCUIT_BYTES } from '../../src/reach/constants.js'
import { reachNetwork } from '../../src/reach/network.js'
import { reachStatus } from '../../src/reach/reach-status.js'
import type { ReachOptions } from '../../src/reach/options.js'

const LISTEN = ['/ip4/127.0.0.1/tcp/0']
const FLOOD = '/test/flood/1.0.0'
const FLOOD_BYTES = 1024 * 1024

async function peer (reach: ReachOptions, bootstrap?: ShoalLibp2p): Promise<ShoalLibp2p> {
  return await createNetwork({
    privateKey: await generateKeyPair('Ed25519'),
    listen: LISTEN,
    mdns: false,
    bootstrap: bootstrap !== undefined ? [bootstrap.getMultiaddrs()[0]?.toString() as string] : [],
    extensions: [reachNetwork(reach, LISTEN)]
  })
}

async function until (what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}

function circuitTo (relay: ShoalLibp2p, target: ShoalLibp2p): ReturnType<typeof multiaddr> {
  return multiaddr(`${relay.getMultiaddrs()[0]?.toString() as string}/p2p-circuit/p2p/${target.peerId.toString()}`)
}

test('a flooded circuit stops at RELAY_CIRCUIT_BYTES, and the relay keeps serving other peers', { timeout: 90_000 }, async () => {
  const nodes: ShoalLibp2p[] = []
  try {
    const relay = await peer({ reachability: 'public' })
    nodes.push(relay)
    const sink = await peer({ reachability: 'private' }, relay)
    const flooder = await peer({ reachability: 'private', relayService: false })
    nodes.push(sink, flooder)
    let received = 0
    let ended!: () => void
    const done = new Promise<void>(resolve => { ended = resolve })
    await sink.handle(FLOOD, async (stream) => {
      try {
        for await (const chunk of stream) received += chunk.byteLength
      } catch {}
      ended()
    }, { runOnLimitedConnection: true })
    await until('the sink\'s reservation', () => reachStatus(sink.getMultiaddrs()).relays.length > 0)

    const connection = await flooder.dial(circuitTo(relay, sink), { signal: AbortSignal.timeout(15_000) })
    assert.ok(connection.limits !== undefined, 'a signalling relay\'s circuit is limited')
    const stream = await connection.newStream(FLOOD, { runOnLimitedConnection: true })
    const chunk = new Uint8Array(16 * 1024)
    try {
      for (let sent = 0; sent < FLOOD_BYTES; sent += chunk.byteLength) {
        if (!stream.send(chunk)) await stream.onDrain({ signal: AbortSignal.timeout(10_000) })
      }
      await stream.close({ signal: AbortSignal.timeout(10_000) })
    } catch {
      // The relay reset the circuit: what this test expects.
    }
    await Promise.race([done, new Promise(resolve => setTimeout(resolve, 15_000))])
    assert.ok(received > 0, 'nothing got through')
    assert.ok(received < Number(RELAY_CIRCUIT_BYTES), `${received} bytes crossed a circuit limited to ${RELAY_CIRCUIT_BYTES}`)

    // The relay still serves: a new peer gets a reservation, and is reached through it.
    const other = await peer({ reachability: 'private' }, relay)
    nodes.push(other)
    await until('another reservation', () => reachStatus(other.getMultiaddrs()).relays.includes(relay.peerId.toString()))
    const again = await flooder.dial(circuitTo(relay, other), { signal: AbortSignal.timeout(15_000) })
    assert.equal(again.status, 'open')
    assert.equal(again.remotePeer.toString(), other.peerId.toString())
  } finally {
    await Promise.all(nodes.map(async n => { await n.stop() }))
  }
})
