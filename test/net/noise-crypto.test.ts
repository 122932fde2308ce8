import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { createLibp2p, type Libp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise, pureJsCrypto } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { nodeNoiseCrypto } from '../../src/net/noise-crypto.js'

test('node:crypto HKDF derives the same three keys as Noise\'s own', () => {
  for (const ikmLength of [0, 1, 32, 33, 64]) {
    for (let i = 0; i < 10; i++) {
      const ck = randomBytes(32)
      const ikm = randomBytes(ikmLength)
      assert.deepEqual(
        nodeNoiseCrypto.getHKDF(ck, ikm).map(k => Buffer.from(k).toString('hex')),
        pureJsCrypto.getHKDF(ck, ikm).map(k => Buffer.from(k).toString('hex')),
        `ck ${ck.toString('hex')}, ${ikmLength}-byte ikm`)
    }
  }
})

async function node (crypto?: typeof nodeNoiseCrypto): Promise<Libp2p> {
  return await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise(crypto !== undefined ? { crypto } : {})],
    streamMuxers: [yamux()]
  })
}

async function echoOnce (from: Libp2p, to: Libp2p): Promise<void> {
  await to.handle('/echo/1.0.0', async (stream) => {
    for await (const chunk of stream) stream.send(chunk)
    await stream.close()
  })
  const stream = await from.dialProtocol(to.getMultiaddrs()[0]!, '/echo/1.0.0')
  const sent = randomBytes(1000)
  stream.send(sent)
  await stream.close()
  const back: Uint8Array[] = []
  for await (const chunk of stream) back.push(chunk.subarray())
  assert.deepEqual(Buffer.concat(back), sent)
}

for (const dialler of ['node:crypto HKDF', 'Noise\'s default'] as const) {
  test(`a Noise handshake between node:crypto HKDF and Noise's default, dialled by ${dialler}, carries a stream`, async () => {
    const ours = await node(nodeNoiseCrypto)
    const theirs = await node()
    try {
      await (dialler === 'node:crypto HKDF' ? echoOnce(ours, theirs) : echoOnce(theirs, ours))
    } finally {
      await Promise.all([ours.stop(), theirs.stop()])
    }
  })
}
