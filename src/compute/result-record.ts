/**
 * Agreed results anyone can check: the record `/shoal-result/<job ID>` in Shoal's DHT holds the
 * job, its result CID and the signatures of the workers that agreed on it (each worker signs
 * RESULT_SIGNATURE_DOMAIN ‖ job ‖ \n ‖ result with its peer key, in its `revealed` answer). DHT
 * nodes store a record only if every signature in it verifies (the validator below); a reader also
 * counts the distinct signers it trusts against the quorum rule before using it (result-cache.ts).
 */
import { peerIdFromString } from '@libp2p/peer-id'
import type { PrivateKey } from '@libp2p/interface'
import { base64url } from 'multiformats/bases/base64'
import { CID } from 'multiformats/cid'
import { ErrorCode, ShoalError } from '../errors.js'
import { MAX_RECORD_SIGNATURES, MAX_RESULT_RECORD_BYTES, MAX_SIGNATURE_CHARS, RESULT_RECORD_NAMESPACE, RESULT_SIGNATURE_DOMAIN } from './constants.js'
import { canonicalJson } from './job-spec.js'

export interface WorkerSignature { worker: string, sig: string }

export interface ResultRecord {
  v: 1
  job: string
  result: string
  /** Sorted by worker, one per worker. */
  signatures: WorkerSignature[]
}

const encoder = new TextEncoder()
const SIGNATURE_TEXT = new RegExp(`^[A-Za-z0-9_-]{1,${MAX_SIGNATURE_CHARS}}$`)

function signedBytes (job: string, result: string): Uint8Array {
  return encoder.encode(`${RESULT_SIGNATURE_DOMAIN}${job}\n${result}`)
}

/** A worker's signature on the result it reveals (base64url). */
export async function signResult (key: PrivateKey, job: string, result: string): Promise<string> {
  return base64url.baseEncode(await key.sign(signedBytes(job, result)))
}

/** Whether `worker` (its peer ID carries its public key) signed that result for that job. */
export async function verifyResultSignature (worker: string, job: string, result: string, sig: string): Promise<boolean> {
  try {
    if (!SIGNATURE_TEXT.test(sig)) return false
    const key = peerIdFromString(worker).publicKey
    if (key === undefined) return false
    return await key.verify(signedBytes(job, result), base64url.baseDecode(sig))
  } catch {
    return false
  }
}

export function resultRecordKey (job: string): Uint8Array {
  return encoder.encode(`/${RESULT_RECORD_NAMESPACE}/${job}`)
}

export function encodeResultRecord (record: Omit<ResultRecord, 'v'>): Uint8Array {
  const signatures = [...record.signatures].sort((a, b) => a.worker < b.worker ? -1 : a.worker > b.worker ? 1 : 0)
  const bytes = encoder.encode(canonicalJson({ v: 1, job: record.job, result: record.result, signatures }))
  if (bytes.byteLength > MAX_RESULT_RECORD_BYTES) throw bad(`result record of ${bytes.byteLength} bytes`)
  return bytes
}

/** Parses a record's bytes (BAD_MESSAGE unless canonical, within limits, one signature per worker). */
export function decodeResultRecord (bytes: Uint8Array): ResultRecord {
  if (bytes.byteLength > MAX_RESULT_RECORD_BYTES) throw bad('result record too large')
  let value: any
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    throw bad('result record is not UTF-8 JSON')
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw bad('result record is not an object')
  if (Object.keys(value).sort().join() !== 'job,result,signatures,v' || value.v !== 1) throw bad('result record must have exactly v: 1, job, result, signatures')
  const job = cidText(value.job, 'job')
  const result = cidText(value.result, 'result')
  if (!Array.isArray(value.signatures) || value.signatures.length === 0 || value.signatures.length > MAX_RECORD_SIGNATURES) throw bad(`a result record has 1 to ${MAX_RECORD_SIGNATURES} signatures`)
  const signatures: WorkerSignature[] = []
  for (const s of value.signatures) {
    if (s === null || typeof s !== 'object' || Object.keys(s).sort().join() !== 'sig,worker') throw bad('a signature is {worker, sig}')
    if (typeof s.worker !== 'string' || s.worker.length > 128 || typeof s.sig !== 'string' || !SIGNATURE_TEXT.test(s.sig)) throw bad('a signature names a worker and has base64url bytes')
    signatures.push({ worker: s.worker, sig: s.sig })
  }
  const record: ResultRecord = { v: 1, job, result, signatures }
  if (new TextDecoder().decode(encodeResultRecord(record)) !== new TextDecoder().decode(bytes)) throw bad('result record is not canonical (sorted keys and workers, no spaces, one signature per worker)')
  if (new Set(signatures.map(s => s.worker)).size !== signatures.length) throw bad('a worker signs a result record once')
  return record
}

/** The record for `key`, if every signature in it verifies; else BAD_SIGNATURE / BAD_MESSAGE. */
export async function checkResultRecord (key: Uint8Array, bytes: Uint8Array): Promise<ResultRecord> {
  const record = decodeResultRecord(bytes)
  if (new TextDecoder().decode(key) !== `/${RESULT_RECORD_NAMESPACE}/${record.job}`) throw bad('result record stored under another job\'s key')
  for (const s of record.signatures) {
    if (!await verifyResultSignature(s.worker, record.job, record.result, s.sig)) {
      throw new ShoalError(ErrorCode.BadSignature, `result record: ${s.worker.slice(-8)}'s signature does not verify`)
    }
  }
  return record
}

/** kad-dht's validator and selector for `/shoal-result/…` (net/libp2p.ts NetworkExtension). */
export const resultRecordValidators = {
  [RESULT_RECORD_NAMESPACE]: async (key: Uint8Array, value: Uint8Array): Promise<void> => { await checkResultRecord(key, value) }
}
/** Of several valid records, the one with most signatures (then the smallest bytes, so every node picks the same). */
export const resultRecordSelectors = {
  [RESULT_RECORD_NAMESPACE]: (_key: Uint8Array, records: Uint8Array[]): number => {
    const count = (r: Uint8Array): number => { try { return decodeResultRecord(r).signatures.length } catch { return -1 } }
    let best = 0
    for (let i = 1; i < records.length; i++) {
      const a = count(records[i]!)
      const b = count(records[best]!)
      if (a > b || (a === b && compareBytes(records[i]!, records[best]!) < 0)) best = i
    }
    return best
  }
}

function compareBytes (a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.byteLength, b.byteLength); i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return a.byteLength - b.byteLength
}

function cidText (value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length > 128) throw bad(`${what} must be a CID`)
  try {
    if (CID.parse(value).toString() === value) return value
  } catch {}
  throw bad(`${what} must be a CID in canonical form`)
}

function bad (message: string): ShoalError {
  return new ShoalError(ErrorCode.BadMessage, message)
}
