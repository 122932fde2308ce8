/**
 * Fuzzing (fast-check, fixed seed) of `/shoal/store/1.0.0`: every request and answer decoder, the
 * frame header, and the owner's signature check. Only BAD_MESSAGE / FRAME_TOO_LARGE (decoders) or
 * BAD_SIGNATURE (signatures); valid messages round-trip in one canonical form; a mutated signed
 * request never verifies.
 */
import { describe, test } from 'node:test'
import * as assert from 'node:assert/strict'
import fc from 'fast-check'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { ErrorCode, ShoalError } from '../../src/errors.js'
import {
  canonicalBytes, decodeAnswer, decodeRequest, encodeFrame, frameLength, REFUSAL_REASONS,
  type StoreAnswer, type StoreRequest, type StoreRequestMessage
} from '../../src/storage/messages.js'
import { signRequest, verifyRequest } from '../../src/storage/signing.js'
import { ASYNC_RUNS, RUNS, SEED, onlyErrors } from './arbitraries.js'

const options = { numRuns: RUNS, seed: SEED }
const CID_TEXT = 'bagaaierasords4njcts6vs7qvdjfcvgnume4hqohf65zsfguprqphs3icwea'
const PEER = '12D3KooWEYneDiBNUKdPNDP9DWrVuCRPLX7AMb32qtVWted2jLzn'
const ORIGIN = `/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`
const DECODER_CODES = [ErrorCode.BadMessage, ErrorCode.FrameTooLarge]


const count = fc.nat({ max: Number.MAX_SAFE_INTEGER })
const lease = fc.integer({ min: 1, max: 366 * 24 * 3600_000 })
const signedPart = { to: fc.constant(PEER), at: count, sig: fc.stringMatching(/^[A-Za-z0-9_-]{0,90}$/) }
const request: fc.Arbitrary<StoreRequestMessage> = fc.oneof(
  fc.constant({ type: 'offer' as const }),
  fc.record({ type: fc.constant('status' as const), cid: fc.constant(CID_TEXT) }),
  fc.record({ type: fc.constant('store' as const), cid: fc.constant(CID_TEXT), bytes: count, leaseMs: lease, origins: fc.array(fc.constant(ORIGIN), { maxLength: 16 }), ...signedPart }),
  fc.record({ type: fc.constant('renew' as const), cid: fc.constant(CID_TEXT), leaseMs: lease, ...signedPart }),
  fc.record({ type: fc.constant('release' as const), cid: fc.constant(CID_TEXT), ...signedPart })
)
const answer: fc.Arbitrary<StoreAnswer> = fc.oneof(
  fc.record({ type: fc.constant('offered' as const), freeBytes: count, ownerBytes: count, maxLeaseMs: lease }),
  fc.record({ type: fc.constant('accepted' as const), expiresAt: count }),
  fc.record({ type: fc.constant('ok' as const), expiresAt: count }),
  fc.record({ type: fc.constant('refused' as const), reason: fc.constantFrom(...REFUSAL_REASONS), message: fc.string({ maxLength: 200 }) }),
  fc.tuple(count, count, fc.constantFrom('none' as const, 'fetching' as const, 'held' as const), count)
    .map(([a, b, state, expiresAt]) => ({ type: 'status' as const, state, pieces: Math.max(a, b), verifiedPieces: Math.min(a, b), expiresAt }))
)
const mutate = (bytes: Uint8Array): fc.Arbitrary<Uint8Array> => fc.oneof(
  fc.tuple(fc.nat(Math.max(0, bytes.byteLength - 1)), fc.integer({ min: 1, max: 255 })).map(([at, x]) => { const m = Uint8Array.from(bytes); m[at]! ^= x; return m }),
  fc.nat(bytes.byteLength).map(n => bytes.subarray(0, n))
)

describe('fuzz: store protocol', () => {
  test('valid requests and answers round-trip through their one canonical form', () => {
    fc.assert(fc.property(request, message => {
      assert.deepEqual(decodeRequest(canonicalBytes(message)), { ...message })
    }), options)
    fc.assert(fc.property(answer, message => {
      assert.deepEqual(decodeAnswer(canonicalBytes(message)), { ...message })
    }), options)
  })

  test('random bytes, random JSON and mutated valid messages decode or are BAD_MESSAGE', () => {
    const json = fc.jsonValue().map(v => new TextEncoder().encode(JSON.stringify(v)))
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), json, request.chain(m => mutate(canonicalBytes(m))), answer.chain(m => mutate(canonicalBytes(m)))), bytes => {
      const asRequest = onlyErrors(() => decodeRequest(bytes), DECODER_CODES)
      if (asRequest !== undefined) assert.deepEqual(canonicalBytes(asRequest), bytes)
      const asAnswer = onlyErrors(() => decodeAnswer(bytes), DECODER_CODES)
      if (asAnswer !== undefined) assert.deepEqual(canonicalBytes(asAnswer), bytes)
    }), options)
  })

  test('a frame header of any bytes is a length within the limit, or refused', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 8 }), header => {
      const length = onlyErrors(() => frameLength(header), DECODER_CODES)
      if (length !== undefined) assert.ok(length <= 16 * 1024)
    }), options)
    fc.assert(fc.property(request, message => { assert.equal(frameLength(encodeFrame(message)), canonicalBytes(message).byteLength) }), options)
  })

  test('a signed request verifies only unchanged, for its holder, from its owner', async () => {
    const key = await generateKeyPair('Ed25519')
    const owner = peerIdFromPrivateKey(key).toString()
    const signed = await signRequest<StoreRequest>({ type: 'store', cid: CID_TEXT, bytes: 1000, leaseMs: 60_000, origins: [ORIGIN], to: PEER }, key)
    await verifyRequest(decodeRequest(canonicalBytes(signed)) as StoreRequest, owner, PEER)
    await assert.rejects(verifyRequest(signed, owner, owner), (err: unknown) => err instanceof ShoalError && err.code === ErrorCode.BadSignature)
    await assert.rejects(verifyRequest(signed, PEER, PEER), (err: unknown) => err instanceof ShoalError && err.code === ErrorCode.BadSignature)
    await fc.assert(fc.asyncProperty(mutate(canonicalBytes(signed)), async bytes => {
      const decoded = onlyErrors(() => decodeRequest(bytes), DECODER_CODES)
      if (decoded === undefined || decoded.type === 'offer' || decoded.type === 'status') return
      try {
        await verifyRequest(decoded, owner, PEER)
        assert.deepEqual(decoded, signed, 'only the original verifies')
      } catch (err) {
        if (!(err instanceof ShoalError) || err.code !== ErrorCode.BadSignature) throw err
      }
    }), { numRuns: ASYNC_RUNS, seed: SEED })
  })
})
