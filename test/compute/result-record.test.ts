/** Result records (compute/result-record.ts): what the DHT validator lets through and what it refuses. */
import { test } from 'node:test'
import { strict as assert } from 'node:assert'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { checkResultRecord, decodeResultRecord, encodeResultRecord, resultRecordKey, resultRecordSelectors, signResult } from '../../src/compute/result-record.js'

const JOB = 'bagaaieraebgt4w6msr6fzyatbe5m3yrbpmvbkkxn6bsfgyjmojbnfkbdblpa'
const RESULT = 'bagaaierasords4njcts6vs7qvdjfcvgnume4hqohf65zsfguprqphs3icwea'
const OTHER = 'bagaaieraojzv3asv7ep7ywdsq4pl6xaw2iywgzwpwfkzjyirp6sgmpjpx6pa'
const enc = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value))

async function signers (n: number): Promise<Array<{ worker: string, key: Awaited<ReturnType<typeof generateKeyPair>> }>> {
  return await Promise.all(Array.from({ length: n }, async () => {
    const key = await generateKeyPair('Ed25519')
    return { worker: peerIdFromPrivateKey(key).toString(), key }
  }))
}

test('a record whose every signature verifies is accepted, under its own job\'s key only', async () => {
  const ws = await signers(3)
  const signatures = await Promise.all(ws.map(async w => ({ worker: w.worker, sig: await signResult(w.key, JOB, RESULT) })))
  const bytes = encodeResultRecord({ job: JOB, result: RESULT, signatures })
  const record = await checkResultRecord(resultRecordKey(JOB), bytes)
  assert.equal(record.result, RESULT)
  assert.deepEqual(record.signatures.map(s => s.worker), ws.map(w => w.worker).sort())
  await assert.rejects(checkResultRecord(resultRecordKey(OTHER), bytes), { code: 'BAD_MESSAGE' })
})

test('forged records are refused: another result under real signatures, a signature by someone else, duplicates, non-canonical bytes', async () => {
  const [a, b] = await signers(2)
  const sigA = await signResult(a!.key, JOB, RESULT)
  const sigB = await signResult(b!.key, JOB, RESULT)
  // The workers signed RESULT; a record claiming OTHER with their signatures does not verify.
  await assert.rejects(checkResultRecord(resultRecordKey(JOB), encodeResultRecord({ job: JOB, result: OTHER, signatures: [{ worker: a!.worker, sig: sigA }] })), { code: 'BAD_SIGNATURE' })
  // B's signature presented as A's.
  await assert.rejects(checkResultRecord(resultRecordKey(JOB), encodeResultRecord({ job: JOB, result: RESULT, signatures: [{ worker: a!.worker, sig: sigB }] })), { code: 'BAD_SIGNATURE' })
  // One worker counted twice.
  const twice = [{ worker: a!.worker, sig: sigA }, { worker: a!.worker, sig: sigA }]
  assert.throws(() => decodeResultRecord(enc({ job: JOB, result: RESULT, signatures: twice, v: 1 })), { code: 'BAD_MESSAGE' })
  // Unsorted keys, an extra field, no signature at all, text that is not base64url.
  assert.throws(() => decodeResultRecord(enc({ v: 1, job: JOB, result: RESULT, signatures: [{ worker: a!.worker, sig: sigA }] })), { code: 'BAD_MESSAGE' })
  assert.throws(() => decodeResultRecord(enc({ extra: 1, job: JOB, result: RESULT, signatures: [{ sig: sigA, worker: a!.worker }], v: 1 })), { code: 'BAD_MESSAGE' })
  assert.throws(() => decodeResultRecord(enc({ job: JOB, result: RESULT, signatures: [], v: 1 })), { code: 'BAD_MESSAGE' })
  assert.throws(() => decodeResultRecord(enc({ job: JOB, result: RESULT, signatures: [{ sig: 'a b', worker: a!.worker }], v: 1 })), { code: 'BAD_MESSAGE' })
})

test('of several valid records the DHT keeps the one with most signatures', async () => {
  const ws = await signers(3)
  const sig = async (w: typeof ws[number]): Promise<{ worker: string, sig: string }> => ({ worker: w.worker, sig: await signResult(w.key, JOB, RESULT) })
  const one = encodeResultRecord({ job: JOB, result: RESULT, signatures: [await sig(ws[0]!)] })
  const three = encodeResultRecord({ job: JOB, result: RESULT, signatures: await Promise.all(ws.map(sig)) })
  const select = resultRecordSelectors['shoal-result']
  assert.equal(select(resultRecordKey(JOB), [one, three]), 1)
  assert.equal(select(resultRecordKey(JOB), [three, one]), 0)
})
