/**
 * `/shoal/compute/1.0.0` messages, framed as `/shoal/store/1.0.0`'s: a u32be length and canonical
 * JSON with exactly the keys of its type, each value within the limits of constants.ts; anything
 * else is BAD_MESSAGE (FRAME_TOO_LARGE past MAX_COMPUTE_MESSAGE_BYTES). One stream per job:
 *   requester → `job {spec, origins}`; worker → `commit {job, commitment}` | `refused` | `failed`;
 *   requester → `reveal` (only once every replica has committed); worker → `revealed {result, nonce}`.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { ErrorCode, ShoalError } from '../errors.js'
import { JobError, MAX_COMPUTE_MESSAGE_BYTES, MAX_JOB_MESSAGE_CHARS, MAX_JOB_ORIGINS, MAX_ORIGIN_CHARS } from './constants.js'
import { validateJobSpec, type JobSpec } from './job-spec.js'

export const COMPUTE_VERSION = 1
export type RefusalReason = 'busy' | 'over-limits' | 'bad-job'
export const REFUSAL_REASONS: RefusalReason[] = ['busy', 'over-limits', 'bad-job']
export type FailureCode = typeof JobError[keyof typeof JobError]
export const FAILURE_CODES: FailureCode[] = Object.values(JobError)

export interface JobRequest { type: 'job', spec: JobSpec, origins: string[] }
export interface RevealRequest { type: 'reveal' }
export type ComputeRequest = JobRequest | RevealRequest
export interface CommitAnswer { type: 'commit', job: string, commitment: string }
export interface RefusedAnswer { type: 'refused', reason: RefusalReason, message: string }
export interface FailedAnswer { type: 'failed', code: FailureCode, message: string }
export interface RevealedAnswer { type: 'revealed', result: string, nonce: string }
export type ComputeAnswer = CommitAnswer | RefusedAnswer | FailedAnswer | RevealedAnswer

const KEYS: Record<string, string[]> = {
  job: ['v', 'type', 'spec', 'origins'],
  reveal: ['v', 'type'],
  commit: ['v', 'type', 'job', 'commitment'],
  refused: ['v', 'type', 'reason', 'message'],
  failed: ['v', 'type', 'code', 'message'],
  revealed: ['v', 'type', 'result', 'nonce']
}
const REQUEST_TYPES = ['job', 'reveal']
const ANSWER_TYPES = ['commit', 'refused', 'failed', 'revealed']
const HEX64 = /^[0-9a-f]{64}$/
export const LENGTH_BYTES = 4

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

export function encodeComputeFrame (message: ComputeRequest | ComputeAnswer): Uint8Array {
  const source = { v: COMPUTE_VERSION, ...message } as Record<string, unknown>
  const ordered: Record<string, unknown> = {}
  for (const key of KEYS[message.type]!) ordered[key] = source[key]
  const body = encoder.encode(JSON.stringify(ordered))
  if (body.byteLength > MAX_COMPUTE_MESSAGE_BYTES) throw bad(`compute message too large (${body.byteLength} bytes)`)
  const out = new Uint8Array(LENGTH_BYTES + body.byteLength)
  new DataView(out.buffer).setUint32(0, body.byteLength)
  out.set(body, LENGTH_BYTES)
  return out
}

/** The body length a frame's first 4 bytes announce (FRAME_TOO_LARGE past the limit). */
export function computeFrameLength (header: Uint8Array): number {
  if (header.byteLength < LENGTH_BYTES) throw bad('compute frame header is truncated')
  const length = new DataView(header.buffer, header.byteOffset, LENGTH_BYTES).getUint32(0)
  if (length > MAX_COMPUTE_MESSAGE_BYTES) throw new ShoalError(ErrorCode.FrameTooLarge, `compute frame of ${length} bytes (limit ${MAX_COMPUTE_MESSAGE_BYTES})`)
  return length
}

export function decodeComputeRequest (body: Uint8Array): ComputeRequest {
  const m = parse(body, REQUEST_TYPES)
  if (m.type === 'reveal') return { type: 'reveal' }
  let spec: JobSpec
  try {
    spec = validateJobSpec(m.spec)
  } catch (err: any) {
    throw bad(`job spec: ${String(err?.message ?? err)}`)
  }
  const origins = m.origins
  if (!Array.isArray(origins) || origins.length > MAX_JOB_ORIGINS) throw bad(`origins must be a list of at most ${MAX_JOB_ORIGINS}`)
  for (const origin of origins) {
    if (typeof origin !== 'string' || origin.length > MAX_ORIGIN_CHARS) throw bad('origin must be a multiaddr string')
    try { multiaddr(origin) } catch { throw bad('origin is not a multiaddr') }
    if (!/\/p2p\/[A-Za-z0-9]+$/.test(origin)) throw bad('origin must end in /p2p/<peer id>')
  }
  return { type: 'job', spec, origins: origins as string[] }
}

export function decodeComputeAnswer (body: Uint8Array): ComputeAnswer {
  const m = parse(body, ANSWER_TYPES)
  switch (m.type) {
    case 'commit': return { type: 'commit', job: cidText(m.job, 'job'), commitment: hex64(m.commitment, 'commitment') }
    case 'refused':
      if (!REFUSAL_REASONS.includes(m.reason as RefusalReason)) throw bad('unknown refusal reason')
      return { type: 'refused', reason: m.reason as RefusalReason, message: text(m.message) }
    case 'failed':
      if (!FAILURE_CODES.includes(m.code as FailureCode)) throw bad('unknown failure code')
      return { type: 'failed', code: m.code as FailureCode, message: text(m.message) }
    default: return { type: 'revealed', result: cidText(m.result, 'result'), nonce: hex64(m.nonce, 'nonce') }
  }
}

function parse (body: Uint8Array, types: string[]): Record<string, unknown> {
  if (body.byteLength > MAX_COMPUTE_MESSAGE_BYTES) throw new ShoalError(ErrorCode.FrameTooLarge, 'compute message too large')
  let value: unknown
  try {
    value = JSON.parse(decoder.decode(body))
  } catch {
    throw bad('compute message is not UTF-8 JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('compute message is not an object')
  const m = value as Record<string, unknown>
  if (m.v !== COMPUTE_VERSION) throw bad('unknown compute message version')
  if (typeof m.type !== 'string' || !types.includes(m.type)) throw bad('unknown compute message type')
  const keys = KEYS[m.type]!
  const got = Object.keys(m)
  if (got.length !== keys.length || got.some((k, i) => k !== keys[i])) throw bad(`compute ${m.type} message must have exactly the keys ${keys.join(', ')} in that order`)
  return m
}

function cidText (value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length > 128) throw bad(`${what} must be a CID`)
  let parsed: string
  try {
    parsed = CID.parse(value).toString()
  } catch {
    throw bad(`${what} must be a CID`)
  }
  if (parsed !== value) throw bad(`${what} is not a CID in its canonical form`)
  return parsed
}

function hex64 (value: unknown, what: string): string {
  if (typeof value !== 'string' || !HEX64.test(value)) throw bad(`${what} must be 64 hex digits`)
  return value
}

function text (value: unknown): string {
  if (typeof value !== 'string' || value.length > MAX_JOB_MESSAGE_CHARS) throw bad(`message must be a string of at most ${MAX_JOB_MESSAGE_CHARS} characters`)
  return value
}

function bad (message: string): ShoalError {
  return new ShoalError(ErrorCode.BadMessage, message)
}
