/**
 * A private network (`--network-key`): nodes sharing a pre-shared key exchange content as usual;
 * a node without the key, or with another key, cannot connect to them at all, so it can neither
 * download nor be asked for anything.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { join } from 'node:path'
import { generateNetworkKey, parseNetworkKey } from '../../src/net/network-key.js'
import { ErrorCode } from '../../src/errors.js'
import { GET_TIMEOUT_MS, hashFile, MiB, TEST_TIMEOUT_MS, TestSwarm, writeRandomFile } from '../helpers/swarm.js'

const SIZE = 1 * MiB + 3
/** An outsider's get can only fail: it gives up after this long. */
const OUTSIDER_TIMEOUT_MS = 3_000

test('nodes with the network key share; nodes without it, or with another, cannot connect', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const swarm = new TestSwarm()
  t.after(async () => await swarm.cleanup())
  const key = parseNetworkKey(new TextEncoder().encode(generateNetworkKey()))
  const otherKey = parseNetworkKey(new TextEncoder().encode(generateNetworkKey()))

  const path = join(await swarm.dir('source'), 'plans.bin')
  const hash = await writeRandomFile(path, SIZE)
  const alice = await swarm.node('alice', { networkKey: key })
  const shared = await alice.share(path)

  const bob = await swarm.node('bob', { networkKey: key })
  const transports = new Set<string>()
  const result = await bob.get(shared.link, { output: await swarm.dir('out-bob'), timeoutMs: GET_TIMEOUT_MS, onPiece: p => transports.add(p.transport) })
  assert.equal(await hashFile(result.path), hash)
  // The key guards libp2p connections only: a private network opens no direct port around it.
  assert.equal(alice.directPort(), undefined)
  assert.deepEqual([...transports], ['libp2p'])

  for (const [name, options] of [['outsider', {}], ['other-network', { networkKey: otherKey }]] as const) {
    const node = await swarm.node(name, options)
    await assert.rejects(node.connect(alice.addrs()[0] as string), { code: ErrorCode.Unreachable }, `${name} connected`)
    await assert.rejects(node.get(shared.link, { output: await swarm.dir(`out-${name}`), timeoutMs: OUTSIDER_TIMEOUT_MS }), { code: ErrorCode.Timeout })
    assert.ok(!alice.connectedPeers().includes(node.peerId), `alice is connected to ${name}`)
    // Nor can the private nodes reach the outsider.
    await assert.rejects(alice.connect(node.addrs()[0] as string), { code: ErrorCode.Unreachable })
  }
})

test('a network key file must be a key file', () => {
  const good = generateNetworkKey()
  assert.ok(parseNetworkKey(new TextEncoder().encode(good)).byteLength > 0)
  assert.ok(parseNetworkKey(new TextEncoder().encode(good.trimEnd().replace(/\n/g, '\r\n'))).byteLength > 0, 'CRLF line ends are fine')
  for (const bad of ['', 'hello', good.replace('/base16/', '/base64/'), good.slice(0, -3), good + 'extra\n', 'x'.repeat(5000)]) {
    assert.throws(() => parseNetworkKey(new TextEncoder().encode(bad)), { code: ErrorCode.BadArgument }, JSON.stringify(bad.slice(0, 40)))
  }
})
