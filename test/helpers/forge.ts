/**
 * What an attacker can make without Shoal's help (docs/protocol.md §8): manifest bytes of its own
 * choosing, hostile or not, their content ID (whatever the bytes, the CID is their hash, so the
 * attacker controls it) and an envelope signed with its own key. Nothing here validates anything.
 */
import { generateKeyPair, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import { encodeSignedManifest, SIGNATURE_DOMAIN } from '../../src/content/envelope.js'
import { manifestCid } from '../../src/content/manifest.js'

export interface Forged { bytes: Uint8Array, cid: CID, signed: Uint8Array }

/** A manifest as canonical-looking JSON, with whatever fields and values the attacker likes. */
export function manifestJson (value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value))
}

/** Signs `bytes` as §8.4 says (domain tag + binary CID) with `key` (a fresh one by default). */
export async function forge (bytes: Uint8Array, key?: PrivateKey): Promise<Forged> {
  const signer = key ?? await generateKeyPair('Ed25519')
  const cid = manifestCid(bytes)
  const message = new Uint8Array([...new TextEncoder().encode(SIGNATURE_DOMAIN), ...cid.bytes])
  const signature = await signer.sign(message)
  const signed = encodeSignedManifest({ manifest: bytes, publicKey: publicKeyToProtobuf(signer.publicKey), signature: new Uint8Array(signature) })
  return { bytes, cid, signed }
}

/** A root that parses (64 hex digits); it matches no real data, which does not matter here. */
export const ANY_ROOT = 'ab'.repeat(32)
