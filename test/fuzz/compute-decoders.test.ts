/**
 * Fuzzing (fast-check, fixed seed) of `/shoal/compute/1.0.0`: the request and answer decoders and
 * the frame header fail only with BAD_MESSAGE / FRAME_TOO_LARGE; valid messages round-trip.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import fc from 'fast-check'
import { ErrorCode } from '../../src/errors.js'
import { MAX_COMPUTE_MESSAGE_BYTES } from '../../src/compute/constants.js'
import { makeJobSpec } from '../../src/compute/job-spec.js'
import {
  computeFrameLength, decodeComputeAnswer, decodeComputeRequest, encodeComputeFrame, FAILURE_CODES, LENGTH_BYTES, REFUSAL_REASONS,
  type ComputeAnswer, type ComputeRequest
} from '../../src/compute/messages.js'
import { RUNS, SEED, onlyErrors } from './arbitraries.js'

const options = { numRuns: RUNS, seed: SEED }
const CID_TEXT = 'bagaaierasords4njcts6vs7qvdjfcvgnume4hqohf65zsfguprqphs3icwea'
const ORIGIN = '/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWEYneDiBNUKdPNDP9DWrVuCRPLX7AMb32qtVWted2jLzn'
const CODES = [ErrorCode.BadMessage, ErrorCode.FrameTooLarge]
const hex = fc.stringMatching(/^[0-9a-f]{64}$/)
const words = fc.array(fc.string({ maxLength: 20 }), { maxLength: 4 })

const request: fc.Arbitrary<ComputeRequest> = fc.oneof(
  fc.constant({ type: 'reveal' as const }),
  fc.record({ args: words, origins: fc.array(fc.constant(ORIGIN), { maxLength: 16 }) })
    .map(({ args, origins }) => ({ type: 'job' as const, spec: makeJobSpec({ module: CID_TEXT, inputs: [CID_TEXT], args }), origins }))
)
const answer: fc.Arbitrary<ComputeAnswer> = fc.oneof(
  fc.record({ type: fc.constant('commit' as const), job: fc.constant(CID_TEXT), commitment: hex }),
  fc.record({ type: fc.constant('refused' as const), reason: fc.constantFrom(...REFUSAL_REASONS), message: fc.string({ maxLength: 512 }) }),
  fc.record({ type: fc.constant('failed' as const), code: fc.constantFrom(...FAILURE_CODES), message: fc.string({ maxLength: 512 }) }),
  fc.record({ type: fc.constant('revealed' as const), result: fc.constant(CID_TEXT), nonce: hex })
)

test('valid compute messages round-trip in one canonical form', () => {
  fc.assert(fc.property(request, m => {
    const frame = encodeComputeFrame(m)
    assert.deepEqual(encodeComputeFrame(decodeComputeRequest(frame.subarray(LENGTH_BYTES))), frame)
  }), options)
  fc.assert(fc.property(answer, m => {
    const frame = encodeComputeFrame(m)
    assert.deepEqual(encodeComputeFrame(decodeComputeAnswer(frame.subarray(LENGTH_BYTES))), frame)
  }), options)
})

test('random and mutated bytes fail only with BAD_MESSAGE or FRAME_TOO_LARGE', () => {
  const mutated = fc.tuple(fc.oneof(request, answer), fc.nat(), fc.integer({ min: 0, max: 255 })).map(([m, at, byte]) => {
    const body = encodeComputeFrame(m).slice(LENGTH_BYTES)
    body[at % body.byteLength] = byte
    return body
  })
  fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 512 }), mutated), bytes => {
    onlyErrors(() => decodeComputeRequest(bytes), CODES)
    onlyErrors(() => decodeComputeAnswer(bytes), CODES)
    onlyErrors(() => computeFrameLength(bytes.subarray(0, LENGTH_BYTES)), CODES)
  }), options)
})

test('a frame header past the limit is FRAME_TOO_LARGE before any body is read', () => {
  const header = new Uint8Array(LENGTH_BYTES)
  new DataView(header.buffer).setUint32(0, MAX_COMPUTE_MESSAGE_BYTES + 1)
  assert.throws(() => computeFrameLength(header), { code: ErrorCode.FrameTooLarge })
  new DataView(header.buffer).setUint32(0, MAX_COMPUTE_MESSAGE_BYTES)
  assert.equal(computeFrameLength(header), MAX_COMPUTE_MESSAGE_BYTES)
})
