/**
 * The node composes capabilities through node/service.ts: a capability's libp2p service runs in
 * the network, its service is started with the node's components and stopped (in reverse order)
 * before the network goes down, and a capability that fails to start leaves nothing running.
 */
import { test } from 'node:test'
import { strict as assert } from 'node:assert'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import type { Capability, NodeComponents, NodeService } from '../../src/node/service.js'
import { TestSwarm, writeRandomFile, hashFile, KiB, GET_TIMEOUT_MS, TEST_TIMEOUT_MS } from '../helpers/swarm.js'

const ECHO = '/shoal-test/echo/1.0.0'

class EchoService implements NodeService {
  readonly name: string
  started = false
  stoppedWhileOnline?: boolean
  constructor (name: string, readonly components: NodeComponents, private readonly log: string[]) {
    this.name = name
  }

  async start (): Promise<void> {
    this.started = true
    this.log.push(`start ${this.name}`)
    await this.components.libp2p.handle(ECHO + this.name, async (stream) => {
      for await (const chunk of stream) stream.send(chunk)
      await stream.close()
    })
  }

  async stop (): Promise<void> {
    this.log.push(`stop ${this.name}`)
    this.stoppedWhileOnline = this.components.libp2p.status === 'started'
  }
}

function echo (name: string, log: string[], services: Map<string, EchoService>, marker?: { seen?: boolean }): Capability {
  return {
    name,
    network: marker !== undefined ? { services: { [`marker-${name}`]: () => { marker.seen = true; return {} } } } : undefined,
    create: components => {
      const service = new EchoService(name, components, log)
      services.set(name, service)
      return service
    }
  }
}

test('capabilities start with the node, can use its content operations, and stop before the network', { timeout: TEST_TIMEOUT_MS }, async () => {
  const swarm = new TestSwarm()
  const log: string[] = []
  const services = new Map<string, EchoService>()
  const marker: { seen?: boolean } = {}
  try {
    const alice = await swarm.node('alice', { capabilities: [echo('a', log, services, marker), echo('b', log, services)] })
    assert.equal(marker.seen, true, 'the network extension was built into libp2p')
    assert.deepEqual(log, ['start a', 'start b'])
    assert.equal(alice.service('a'), services.get('a'))
    assert.equal(alice.service('nope'), undefined)

    // A service's protocol is reachable by another node's service.
    const bob = await swarm.node('bob', { bootstrap: alice.addrs(), capabilities: [echo('c', log, services)] })
    const bobLibp2p = services.get('c')!.components.libp2p
    const stream = await bobLibp2p.dialProtocol(multiaddr(alice.addrs()[0]), ECHO + 'a')
    stream.send(new TextEncoder().encode('ping'))
    await stream.close()
    const echoed: Uint8Array[] = []
    for await (const chunk of stream) echoed.push(chunk.subarray())
    assert.equal(new TextDecoder().decode(Buffer.concat(echoed)), 'ping')

    // Content operations reach the node: a service shares, another node downloads it.
    const source = await swarm.dir('src')
    const digest = await writeRandomFile(join(source, 'f.bin'), 40 * KiB)
    const shared = await services.get('a')!.components.content.share(join(source, 'f.bin'))
    const out = await swarm.dir('out')
    const got = await bob.get(shared.link, { output: out, timeoutMs: GET_TIMEOUT_MS })
    assert.equal(got.bytes, 40 * KiB)
    assert.equal(await hashFile(join(out, 'f.bin')), digest)
    log.length = 2

    await alice.stop()
    assert.deepEqual(log, ['start a', 'start b', 'stop b', 'stop a'])
    assert.equal(services.get('a')?.stoppedWhileOnline, true, 'services stop while the network still runs')
  } finally {
    await swarm.cleanup()
  }
})

test('a capability that fails to start stops the node and frees its data directory', { timeout: TEST_TIMEOUT_MS }, async () => {
  const swarm = new TestSwarm()
  const log: string[] = []
  const services = new Map<string, EchoService>()
  const failing: Capability = { name: 'broken', create: () => { throw new Error('no such disk') } }
  try {
    const dataDir = await swarm.dir('carol')
    await assert.rejects(swarm.node('carol', { dataDir, capabilities: [echo('a', log, services), failing] }), /no such disk/)
    assert.deepEqual(log, ['start a', 'stop a'])
    // The lock was released: the same data directory opens again.
    const again = await swarm.node('carol-again', { dataDir })
    assert.ok(again.peerId.length > 0)
  } finally {
    await swarm.cleanup()
  }
})

test('a service that says a connection passed the peer\'s router (directDialable false) keeps the pieces off direct TLS; without it they move there', { timeout: TEST_TIMEOUT_MS }, async () => {
  const swarm = new TestSwarm()
  try {
    const size = 12 * 1024 * KiB // above DIRECT_MIN_BYTES, so a session moves to a direct connection when it may
    const source = join(await swarm.dir('source'), 'film.bin')
    const hash = await writeRandomFile(source, size)
    const seeder = await swarm.node('seeder')
    const { link } = await seeder.share(source)
    const asked: string[] = []
    const behindRouter: Capability = {
      name: 'behind-router',
      create: () => ({ name: 'behind-router', start: async () => {}, stop: async () => {}, directDialable: c => { asked.push(c.remotePeer.toString()); return false } })
    }
    // Reach is off: its own directDialable would answer first (node/service.ts: the first service decides).
    const kept = await swarm.node('kept', { reach: false, capabilities: [behindRouter] })
    const keptResult = await kept.get(link, { output: await swarm.dir('out-kept'), timeoutMs: GET_TIMEOUT_MS })
    assert.equal(await hashFile(keptResult.path), hash)
    assert.equal(keptResult.direct, 0, 'no byte over a direct TLS connection')
    assert.ok(asked.includes(seeder.peerId), 'the service was asked about the connection to the seeder')
    const moved = await swarm.node('moved', { reach: false })
    const movedResult = await moved.get(link, { output: await swarm.dir('out-moved'), timeoutMs: GET_TIMEOUT_MS })
    assert.equal(await hashFile(movedResult.path), hash)
    assert.ok(movedResult.direct > 0, 'the same download without the service moves to a direct connection')
  } finally {
    await swarm.cleanup()
  }
})
