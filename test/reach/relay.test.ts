import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import { multiaddr } from '@multiformats/multiaddr'
import { formatLink } from '../../src/content/link.js'
import type { ShoalNode } from '../../src/node/node.js'
import { reachOf } from '../../src/reach/index.js'
import { hashFile, MiB, TestSwarm, writeRandomFile } from '../helpers/swarm.js'

/** Waits for `check` (every 100 ms) up to `ms`; fails with `what`. */
async function until (what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}

function bootstrapOf (...nodes: ShoalNode[]): string[] {
  return nodes.map(n => n.addrs().find(a => !a.includes('/p2p-circuit')) as string)
}

/** A link whose only address goes through the seeder's relay: the downloader cannot dial it directly. */
function relayOnlyLink (cid: string, seeder: ShoalNode): string {
  const circuits = seeder.addrs().filter(a => a.includes('/p2p-circuit'))
  assert.ok(circuits.length > 0, 'the seeder has no relay address')
  return formatLink({ cid: CID.parse(cid), peers: circuits.map(a => multiaddr(a)) })
}

test('reachability: stated public nodes relay; a private node reserves on two of them and shows them', { timeout: 60_000 }, async () => {
  const swarm = new TestSwarm()
  try {
    const relayA = await swarm.node('relay-a', { reach: { reachability: 'public' } })
    const relayB = await swarm.node('relay-b', { reach: { reachability: 'public' } })
    const hidden = await swarm.node('hidden', { reach: { reachability: 'private' }, bootstrap: bootstrapOf(relayA, relayB) })
    assert.deepEqual(reachOf(relayA), { reachability: 'public', relays: [] })
    await until('two reservations', () => reachOf(hidden).relays.length >= 2)
    const status = reachOf(hidden)
    assert.equal(status.reachability, 'private')
    assert.deepEqual(new Set(status.relays), new Set([relayA.peerId, relayB.peerId]))
    // Its circuit addresses are what it announces, so they end up in its links.
    const shared = await hidden.share(await writeFile(swarm, 'small.bin', 64 * 1024))
    assert.match(shared.link, /p2p-circuit/)
  } finally {
    await swarm.cleanup()
  }
})

test('through a signalling relay no piece flows: the getter waits for a direct connection and pulls them there', { timeout: 90_000 }, async () => {
  const swarm = new TestSwarm()
  try {
    const relay = await swarm.node('relay', { reach: { reachability: 'public' } })
    const seeder = await swarm.node('seeder', { reach: { reachability: 'private' }, bootstrap: bootstrapOf(relay) })
    const getter = await swarm.node('getter', { reach: { reachability: 'private', relayService: false }, direct: false })
    await until('a reservation', () => reachOf(seeder).relays.length >= 1)
    const path = await writeFile(swarm, 'film.bin', 2 * MiB)
    const shared = await seeder.share(path)
    const out = await swarm.dir('out')
    // The link names the relay only; the direct connection comes from the seeder's addresses learnt over it.
    const result = await getter.get(relayOnlyLink(shared.cid, seeder), { output: out, timeoutMs: 30_000 })
    assert.equal(await hashFile(join(out, 'film.bin')), await hashFile(path))
    assert.equal(result.received, 2 * MiB)
    assert.equal(result.relayed, 0, 'a signalling relay carried piece data')
  } finally {
    await swarm.cleanup()
  }
})

test('a data relay (relayData) carries the pieces: bytes equal, all of them counted as relayed', { timeout: 90_000 }, async () => {
  const swarm = new TestSwarm()
  try {
    const relay = await swarm.node('relay', { reach: { reachability: 'public', relayData: 8 * MiB } })
    const seeder = await swarm.node('seeder', { reach: { reachability: 'private' }, bootstrap: bootstrapOf(relay) })
    const getter = await swarm.node('getter', { reach: { reachability: 'private', relayService: false } })
    await until('a reservation', () => reachOf(seeder).relays.length >= 1)
    const path = await writeFile(swarm, 'film.bin', 3 * MiB)
    const shared = await seeder.share(path)
    const out = await swarm.dir('out')
    const result = await getter.get(relayOnlyLink(shared.cid, seeder), { output: out, timeoutMs: 30_000 })
    assert.equal(await hashFile(join(out, 'film.bin')), await hashFile(path))
    assert.equal(result.received, 3 * MiB)
    assert.equal(result.relayed, result.received, 'every byte came through the relay')
    assert.equal(result.direct, 0)
  } finally {
    await swarm.cleanup()
  }
})

async function writeFile (swarm: TestSwarm, name: string, size: number): Promise<string> {
  const path = join(await swarm.dir('files'), name)
  await writeRandomFile(path, size)
  return path
}
