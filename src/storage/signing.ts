/**
 * The owner's signature on store, renew and release: Ed25519 over STORE_SIGNATURE_DOMAIN ‖ the
 * request's canonical bytes without `sig`. The request names its holder (`to`) and its time (`at`),
 * so it cannot be replayed to another holder, nor later than MAX_CLOCK_SKEW_MS.
 */
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { base64url } from 'multiformats/bases/base64'
import { ErrorCode, ShoalError } from '../errors.js'
import { MAX_CLOCK_SKEW_MS, STORE_SIGNATURE_DOMAIN } from './constants.js'
import { canonicalBytes, type SignedRequest } from './messages.js'

const domain = new TextEncoder().encode(STORE_SIGNATURE_DOMAIN)

function signedBytes (request: SignedRequest): Uint8Array {
  const body = canonicalBytes(request, ['sig'])
  const out = new Uint8Array(domain.byteLength + body.byteLength)
  out.set(domain)
  out.set(body, domain.byteLength)
  return out
}

export type Unsigned<T extends SignedRequest> = Omit<T, 'sig' | 'at'>

export async function signRequest<T extends SignedRequest> (request: Unsigned<T>, key: PrivateKey, now = Date.now()): Promise<T> {
  const draft = { ...request, at: now, sig: '' } as unknown as T
  const sig = await key.sign(signedBytes(draft))
  return { ...draft, sig: base64url.baseEncode(sig) }
}

/** Checks that `owner` (the authenticated remote peer) signed this request, for us, recently. Throws BAD_SIGNATURE. */
export async function verifyRequest (request: SignedRequest, owner: string, self: string, now = Date.now()): Promise<void> {
  if (request.to !== self) throw new ShoalError(ErrorCode.BadSignature, 'store request is addressed to another holder')
  if (Math.abs(now - request.at) > MAX_CLOCK_SKEW_MS) throw new ShoalError(ErrorCode.BadSignature, 'store request is too old or from the future')
  const key = peerIdFromString(owner).publicKey
  if (key === undefined) throw new ShoalError(ErrorCode.BadSignature, 'the owner\'s peer ID carries no public key')
  let valid = false
  try {
    valid = await key.verify(signedBytes(request), base64url.baseDecode(request.sig))
  } catch {
    valid = false
  }
  if (!valid) throw new ShoalError(ErrorCode.BadSignature, 'store request signature does not verify')
}
