import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { ErrorCode, ShoalError } from '../errors.js'
import {
  DEFAULT_MEMORY_MIB, DEFAULT_OUTPUT_MIB, DEFAULT_TIMEOUT_S, JOB_SPEC_VERSION, MAX_ARGS, MAX_ENV, MAX_INPUTS,
  MAX_MEMORY_MIB, MAX_OUTPUT_MIB, MAX_SPEC_BYTES, MAX_STRING_BYTES, MAX_TIMEOUT_S
} from './constants.js'

/** JSON codec of multiformats, the same as manifests use (content/manifest.ts). */
const JSON_CODEC = 0x0200

export interface JobLimits {
  memoryMiB: number
  timeoutS: number
  outputMiB: number
}

/** What to run: named by the CID of its canonical JSON (`jobId`). */
export interface JobSpec {
  v: 1
  /** CID of the content holding the .wasm module (one file). */
  module: string
  /** Input contents, mounted read-only at /in/<i>/: a CID, or `<cid>/<path>` for one file or folder of it (`shoal map`). */
  inputs: string[]
  args: string[]
  env: Record<string, string>
  limits: JobLimits
}

export function makeJobSpec (fields: { module: string, inputs?: string[], args?: string[], env?: Record<string, string>, limits?: Partial<JobLimits> }): JobSpec {
  return validateJobSpec({
    v: JOB_SPEC_VERSION,
    module: fields.module,
    inputs: fields.inputs ?? [],
    args: fields.args ?? [],
    env: fields.env ?? {},
    limits: {
      memoryMiB: fields.limits?.memoryMiB ?? DEFAULT_MEMORY_MIB,
      timeoutS: fields.limits?.timeoutS ?? DEFAULT_TIMEOUT_S,
      outputMiB: fields.limits?.outputMiB ?? DEFAULT_OUTPUT_MIB
    }
  })
}

/** Canonical JSON: object keys sorted, no spaces; the same spec always gives the same bytes. */
export function canonicalJson (value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value).sort().map(k => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
    return `{${entries.join(',')}}`
  }
  return JSON.stringify(value)
}

export function encodeJobSpec (spec: JobSpec): Uint8Array {
  return new TextEncoder().encode(canonicalJson(validateJobSpec(spec)))
}

/** Parses bytes from a peer; refuses anything that is not a valid spec in canonical form. */
export function decodeJobSpec (bytes: Uint8Array): JobSpec {
  if (bytes.byteLength > MAX_SPEC_BYTES) bad(`job spec is ${bytes.byteLength} bytes, limit ${MAX_SPEC_BYTES}`)
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    bad('job spec is not UTF-8 JSON')
  }
  const spec = validateJobSpec(value)
  if (canonicalJson(spec) !== new TextDecoder().decode(bytes)) bad('job spec is not in canonical form')
  return spec
}

/** The job ID: CID (JSON codec, SHA-256) of the canonical spec. */
export async function jobId (spec: JobSpec): Promise<CID> {
  return CID.createV1(JSON_CODEC, await sha256.digest(encodeJobSpec(spec)))
}

export function validateJobSpec (value: unknown): JobSpec {
  const v = record(value, 'job spec', ['v', 'module', 'inputs', 'args', 'env', 'limits'])
  if (v.v !== JOB_SPEC_VERSION) bad(`job spec version must be ${JOB_SPEC_VERSION}`)
  const module = cidString(v.module, 'module')
  const inputs = list(v.inputs, 'inputs', MAX_INPUTS).map((c, i) => inputString(c, `inputs[${i}]`))
  const args = list(v.args, 'args', MAX_ARGS).map((a, i) => str(a, `args[${i}]`))
  const envRecord = record(v.env, 'env')
  const envKeys = Object.keys(envRecord)
  if (envKeys.length > MAX_ENV) bad(`env has ${envKeys.length} entries, limit ${MAX_ENV}`)
  const env: Record<string, string> = {}
  for (const key of envKeys) {
    if (key === '' || key.includes('=') || key.includes('\0')) bad(`env name ${JSON.stringify(key.slice(0, 40))} is not allowed`)
    env[str(key, 'env name')] = str(envRecord[key], `env.${key}`)
  }
  const l = record(v.limits, 'limits', ['memoryMiB', 'timeoutS', 'outputMiB'])
  return {
    v: JOB_SPEC_VERSION,
    module,
    inputs,
    args,
    env,
    limits: {
      memoryMiB: int(l.memoryMiB, 'limits.memoryMiB', 1, MAX_MEMORY_MIB),
      timeoutS: int(l.timeoutS, 'limits.timeoutS', 1, MAX_TIMEOUT_S),
      outputMiB: int(l.outputMiB, 'limits.outputMiB', 1, MAX_OUTPUT_MIB)
    }
  }
}

function bad (message: string): never {
  throw new ShoalError(ErrorCode.BadArgument, message)
}

function record (value: unknown, what: string, keys?: string[]): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) bad(`${what} must be an object`)
  if (keys !== undefined) {
    const extra = Object.keys(value).filter(k => !keys.includes(k))
    if (extra.length > 0) bad(`${what} has unknown field ${JSON.stringify(extra[0]?.slice(0, 40))}`)
  }
  return value as Record<string, unknown>
}

function list (value: unknown, what: string, max: number): unknown[] {
  if (!Array.isArray(value)) bad(`${what} must be a list`)
  if (value.length > max) bad(`${what} has ${value.length} entries, limit ${max}`)
  return value
}

function str (value: unknown, what: string): string {
  if (typeof value !== 'string') bad(`${what} must be a string`)
  if (new TextEncoder().encode(value).byteLength > MAX_STRING_BYTES) bad(`${what} is over ${MAX_STRING_BYTES} bytes`)
  if (value.includes('\0')) bad(`${what} contains a NUL character`)
  return value
}

function int (value: unknown, what: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) bad(`${what} must be an integer from ${min} to ${max}`)
  return value
}

/** An input: `<cid>` or `<cid>/<path>` (path segments not empty, `.` or `..`, no backslash). */
export function splitInput (input: string): { cid: string, path?: string } {
  const slash = input.indexOf('/')
  return slash < 0 ? { cid: input } : { cid: input.slice(0, slash), path: input.slice(slash + 1) }
}

function inputString (value: unknown, what: string): string {
  const text = str(value, what)
  const { cid, path } = splitInput(text)
  cidString(cid, what)
  if (path !== undefined && path.split('/').some(p => p === '' || p === '.' || p === '..' || p.includes('\\'))) bad(`${what} has an unsafe path`)
  return text
}

function cidString (value: unknown, what: string): string {
  const text = str(value, what)
  let parsed: CID
  try {
    parsed = CID.parse(text)
  } catch {
    bad(`${what} is not a content ID`)
  }
  if (parsed.toString() !== text) bad(`${what} is not a content ID in its canonical form`)
  return text
}
