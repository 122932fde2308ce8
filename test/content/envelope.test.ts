import { test } from 'node:test'
import { strict as assert } from 'node:assert'
import { generateKeyPair, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { ErrorCode } from '../../src/errors.js'
import { encodeManifest, manifestCid, type Manifest } from '../../src/content/manifest.js'
import {
  decodeSignedManifest, encodeSignedManifest, signManifest, verifySignedManifest, type SignedManifest
} from '../../src/content/envelope.js'

const manifest: Manifest = {
  version: 1,
  name: 'notes.txt',
  kind: 'file',
  pieceSize: 16384,
  files: [{ path: 'notes.txt', size: 12, root: 'c'.repeat(64) }]
}
const bytes = encodeManifest(manifest)
const cid = manifestCid(bytes)

test('a signed manifest verifies and names its publisher', async () => {
  const key = await generateKeyPair('Ed25519')
  const signed = await signManifest(bytes, key)
  const result = await verifySignedManifest(signed, cid)
  assert.deepEqual(result.manifest, manifest)
  assert.equal(result.publisher, peerIdFromPrivateKey(key).toString())

  // Different publishers, same content ID.
  const other = await signManifest(bytes, await generateKeyPair('Ed25519'))
  assert.notEqual((await verifySignedManifest(other, cid)).publisher, result.publisher)
})

test('envelope encode/decode round trip and bounds', async () => {
  const signed = await signManifest(bytes, await generateKeyPair('Ed25519'))
  const wire = encodeSignedManifest(signed)
  assert.equal(wire.length, 12 + bytes.length + 36 + 64)
  const decoded = decodeSignedManifest(wire)
  assert.deepEqual(decoded, signed)
  await verifySignedManifest(decoded, cid)

  const bad = (b: Uint8Array): void => assert.throws(() => decodeSignedManifest(b), { code: ErrorCode.BadManifest })
  bad(wire.subarray(0, wire.length - 1)) // truncated
  bad(new Uint8Array([...wire, 0])) // trailing byte
  bad(new Uint8Array(3))
  bad(Uint8Array.of(0xff, 0xff, 0xff, 0xff)) // manifest length 4 GiB
  const hugeKey = encodeSignedManifest({ ...signed, publicKey: new Uint8Array(1000) })
  bad(hugeKey)
})

test('tampered manifest → CidMismatch', async () => {
  const signed = await signManifest(bytes, await generateKeyPair('Ed25519'))
  const tampered = Uint8Array.from(signed.manifest)
  tampered[tampered.length - 3] = 0x30
  await assert.rejects(verifySignedManifest({ ...signed, manifest: tampered }, cid), { code: ErrorCode.CidMismatch })
  const otherBytes = encodeManifest({ ...manifest, name: 'other.txt', files: [{ ...manifest.files[0]!, path: 'other.txt' }] })
  await assert.rejects(verifySignedManifest(signed, manifestCid(otherBytes)), { code: ErrorCode.CidMismatch })
})

test('wrong key, bad signature or non-Ed25519 key → BadSignature', async () => {
  const key = await generateKeyPair('Ed25519')
  const intruder = await generateKeyPair('Ed25519')
  const signed = await signManifest(bytes, key)
  const expectBad = async (s: SignedManifest, label: string): Promise<void> => {
    await assert.rejects(verifySignedManifest(s, cid), { code: ErrorCode.BadSignature }, label)
  }
  await expectBad({ ...signed, publicKey: publicKeyToProtobuf(intruder.publicKey) }, 'key of another peer substituted')
  const bySomeoneElse = await signManifest(bytes, intruder)
  await expectBad({ ...signed, signature: bySomeoneElse.signature }, 'signature of another peer substituted')
  const flipped = Uint8Array.from(signed.signature)
  flipped[0]! ^= 1
  await expectBad({ ...signed, signature: flipped }, 'flipped bit')
  await expectBad({ ...signed, signature: signed.signature.subarray(1) }, 'short signature')
  await expectBad({ ...signed, publicKey: new Uint8Array([1, 2, 3]) }, 'garbage key')
  await expectBad({ ...signed, publicKey: new Uint8Array(0) }, 'empty key')
  const secp = await generateKeyPair('secp256k1')
  await expectBad({ ...signed, publicKey: publicKeyToProtobuf(secp.publicKey) }, 'secp256k1 key')
  // Signing the raw manifest bytes (not the domain-tagged CID) must not verify.
  await expectBad({ ...signed, signature: await key.sign(bytes) }, 'signature over other message')
})

test('signManifest refuses invalid manifests and non-Ed25519 keys', async () => {
  const key = await generateKeyPair('Ed25519')
  await assert.rejects(signManifest(new TextEncoder().encode('{}'), key), { code: ErrorCode.BadManifest })
  await assert.rejects(signManifest(bytes, await generateKeyPair('secp256k1')), { code: ErrorCode.BadArgument })
})

test('a valid CID and signature over an invalid manifest still fails as BadManifest', async () => {
  const key = await generateKeyPair('Ed25519')
  const invalid = new TextEncoder().encode('{"version":1,"name":"..","kind":"dir","pieceSize":16384,"files":[]}')
  // Build the envelope by hand: signManifest would refuse.
  const template = await signManifest(bytes, key)
  const { SIGNATURE_DOMAIN } = await import('../../src/content/envelope.js')
  const invalidCid = manifestCid(invalid)
  const message = new Uint8Array([...new TextEncoder().encode(SIGNATURE_DOMAIN), ...invalidCid.bytes])
  const signed = { manifest: invalid, publicKey: template.publicKey, signature: await key.sign(message) }
  await assert.rejects(verifySignedManifest(signed, invalidCid), { code: ErrorCode.BadManifest })
})
