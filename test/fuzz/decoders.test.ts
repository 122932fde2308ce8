/**
 * Property-based fuzzing (fast-check) of every decoder and parser that reads bytes or text from a
 * peer or a user: wire frames and messages, the frame reader over arbitrary chunking, manifests,
 * signed envelopes, links, the CLI's size and seconds parsers, bitfields, network keys and the
 * resume journal. Thousands of cases each, from a fixed seed: nothing may crash (only the
 * documented ShoalError codes), hang, or accept something that breaks its invariants (a path that
 * leaves the download folder, a message that does not round-trip).
 */
import { describe, test } from 'node:test'
import * as assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve, sep } from 'node:path'
import fc from 'fast-check'
import { Uint8ArrayList } from 'uint8arraylist'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { decodeSignedManifest, encodeSignedManifest, signManifest, verifySignedManifest } from '../../src/content/envelope.js'
import { formatLink, parseLink } from '../../src/content/link.js'
import { decodeManifest, encodeManifest, isSafePath, manifestCid, validateManifest } from '../../src/content/manifest.js'
import { parsePort, parseSeconds, parseSize } from '../../src/cli/args.js'
import { ErrorCode, ShoalError } from '../../src/errors.js'
import { parseNetworkKey } from '../../src/net/network-key.js'
import { decodeTicketAnswer, TICKET_ANSWER_BYTES } from '../../src/net/direct/ticket-query.js'
import { PieceJournal } from '../../src/store/piece-journal.js'
import { Bitfield } from '../../src/swarm/wire/bitfield.js'
import { decodeMessage, encodeMessage, FrameReader, readMessages, type Message } from '../../src/swarm/wire/index.js'
import { ASYNC_RUNS, hostileSegment, manifest, message, RUNS, SEED, onlyErrors } from './arbitraries.js'

const options = { numRuns: RUNS, seed: SEED }
const asyncOptions = { numRuns: ASYNC_RUNS, seed: SEED }
const WIRE_CODES = [ErrorCode.BadMessage, ErrorCode.FrameTooLarge]

async function onlyErrorsAsync<T> (fn: () => Promise<T>, codes: string[]): Promise<T | undefined> {
  try {
    return await fn()
  } catch (err) {
    if (!(err instanceof ShoalError) || !codes.includes(err.code)) throw err
    return undefined
  }
}

function concat (chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0))
  let at = 0
  for (const c of chunks) { out.set(c, at); at += c.byteLength }
  return out
}

/** Messages compare by value; decoded byte fields are views, so compare them as plain arrays. */
function plain (m: Message): unknown {
  return JSON.parse(JSON.stringify(m, (_k, v: unknown) => v instanceof Uint8Array ? Array.from(v) : v instanceof Uint8ArrayList ? Array.from(v.subarray()) : v))
}

/** Cuts `bytes` at the given fractions. */
function cut (bytes: Uint8Array, points: number[]): Uint8Array[] {
  const at = [...new Set(points.map(p => Math.floor(p * bytes.byteLength)))].sort((a, b) => a - b)
  const chunks: Uint8Array[] = []
  let from = 0
  for (const to of [...at, bytes.byteLength]) {
    if (to > from) chunks.push(bytes.slice(from, to))
    from = Math.max(from, to)
  }
  return chunks
}

describe('fuzz: wire', () => {
  test('every valid message round-trips through encode and decode', () => {
    fc.assert(fc.property(message, m => {
      assert.deepEqual(plain(decodeMessage(concat(encodeMessage(m)).subarray(4))), plain(m))
    }), options)
  })

  test('random bytes decode to a message or a wire error, nothing else', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 255 }), (bytes, type) => {
      onlyErrors(() => decodeMessage(bytes), WIRE_CODES)
      if (bytes.byteLength > 0) {
        const typed = Uint8Array.from(bytes)
        typed[0] = type
        onlyErrors(() => decodeMessage(typed), WIRE_CODES)
      }
    }), options)
  })

  test('mutated and truncated valid frames decode to a message or a wire error', () => {
    fc.assert(fc.property(message, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), fc.double({ min: 0, max: 1, noNaN: true }), (m, flips, keep) => {
      const frame = concat(encodeMessage(m)).slice(4)
      for (const [at, mask] of flips) frame[at % frame.byteLength] = (frame[at % frame.byteLength] ?? 0) ^ mask
      onlyErrors(() => decodeMessage(frame.subarray(0, Math.ceil(frame.byteLength * keep))), WIRE_CODES)
    }), options)
  })

  test('a stream of valid messages cut into any chunks reads back as the same messages', () => {
    fc.assert(fc.property(fc.array(message, { minLength: 1, maxLength: 6 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }), (messages, points) => {
      const reader = new FrameReader()
      const out: Message[] = []
      for (const chunk of cut(concat(messages.flatMap(m => encodeMessage(m))), points)) {
        reader.push(chunk)
        for (let f = reader.next(); f !== undefined; f = reader.next()) out.push(decodeMessage(f))
      }
      assert.equal(reader.bufferedBytes, 0)
      assert.deepEqual(out.map(plain), messages.map(plain))
    }), options)
  })

  test('random chunks through the frame reader: frames, a wire error, or waiting for more; never anything else', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), chunks => {
      const reader = new FrameReader()
      onlyErrors(() => {
        for (const chunk of chunks) {
          reader.push(chunk)
          for (let f = reader.next(); f !== undefined; f = reader.next()) decodeMessage(f)
        }
      }, WIRE_CODES)
    }), options)
  })

  test('readMessages over a finite random stream always ends: messages, then the end or a wire error', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.oneof(fc.uint8Array({ maxLength: 64 }), message.map(m => concat(encodeMessage(m)))), { maxLength: 6 }), async chunks => {
      const source = (async function * () { yield * chunks })()
      await onlyErrorsAsync(async () => { for await (const _ of readMessages(source)) { /* drain */ } }, WIRE_CODES)
    }), asyncOptions)
  })
})

describe('fuzz: manifests and envelopes', () => {
  test('valid manifests round-trip; their bytes are the one canonical form', () => {
    fc.assert(fc.property(manifest, m => {
      const bytes = encodeManifest(m)
      assert.deepEqual(decodeManifest(bytes), m)
      assert.deepEqual(encodeManifest(decodeManifest(bytes)), bytes)
    }), options)
  })

  test('random bytes and random JSON are a manifest or BAD_MANIFEST', () => {
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.jsonValue().map(v => new TextEncoder().encode(JSON.stringify(v) ?? ''))), bytes => {
      const m = onlyErrors(() => decodeManifest(bytes), [ErrorCode.BadManifest])
      if (m !== undefined) assert.deepEqual(encodeManifest(m), bytes)
    }), options)
  })

  test('a manifest with hostile paths is rejected, or every path it names stays inside the download folder', () => {
    const folder = resolve('/downloads/share')
    const file = fc.record({ path: fc.array(hostileSegment, { minLength: 1, maxLength: 4 }).map(s => s.join('/')), size: fc.nat(), root: fc.constant('ab'.repeat(32)) })
    fc.assert(fc.property(hostileSegment, fc.array(file, { minLength: 1, maxLength: 4 }), fc.boolean(), (name, files, dir) => {
      const m = onlyErrors(() => validateManifest({ version: 1, name, kind: dir ? 'dir' : 'file', pieceSize: 16_384, files }), [ErrorCode.BadManifest])
      if (m === undefined) return
      for (const f of m.files) {
        assert.ok(isSafePath(f.path))
        assert.ok(resolve(folder, ...f.path.split('/')).startsWith(folder + sep), `${JSON.stringify(f.path)} leaves the folder`)
      }
    }), options)
  })

  test('random and mutated envelopes: only BAD_MANIFEST, BAD_SIGNATURE or CID_MISMATCH; whatever verifies is the original', async () => {
    const key = await generateKeyPair('Ed25519')
    const original = encodeManifest({ version: 1, name: 'a.bin', kind: 'file', pieceSize: 16_384, files: [{ path: 'a.bin', size: 5, root: 'cd'.repeat(32) }] })
    const cid = manifestCid(original)
    const wire = encodeSignedManifest(await signManifest(original, key))
    const codes = [ErrorCode.BadManifest, ErrorCode.BadSignature, ErrorCode.CidMismatch]
    await fc.assert(fc.asyncProperty(fc.oneof(
      fc.uint8Array({ maxLength: 400 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3 }).map(flips => {
        const copy = Uint8Array.from(wire)
        for (const [at, mask] of flips) copy[at % copy.byteLength] = (copy[at % copy.byteLength] ?? 0) ^ mask
        return copy
      })
    ), async bytes => {
      const result = await onlyErrorsAsync(async () => await verifySignedManifest(decodeSignedManifest(bytes), cid), codes)
      if (result !== undefined) assert.deepEqual(decodeSignedManifest(bytes).manifest, original)
    }), asyncOptions)
  })
})

describe('fuzz: links, CLI values, bitfields, keys, journal', () => {
  test('any text is a link or BAD_LINK; formatted links round-trip', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 120 }), fc.string({ maxLength: 80 }).map(s => `shoal://${s}`),
      fc.string({ maxLength: 60 }).map(s => `shoal://bagaaierasords4njcts6vs7qvdjfcvgnume4hqohf65zsfguprqphs3icwea?peer=${s}`)), text => {
      const link = onlyErrors(() => parseLink(text), [ErrorCode.BadLink])
      if (link !== undefined) assert.equal(parseLink(formatLink(link)).cid.toString(), link.cid.toString())
    }), options)
  })

  test('--upload-limit / --download-limit sizes and --timeout seconds: a finite number, or BAD_ARGUMENT', () => {
    const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), fc.stringMatching(/^\s?\d{0,30}(\.\d{0,5})?[kKmMgGtTsh]?i?[bB]?\s?$/))
    fc.assert(fc.property(text, t => {
      for (const parse of [parseSize, parseSeconds]) {
        const n = onlyErrors(() => parse(t, '--flag'), [ErrorCode.BadArgument])
        if (n !== undefined) assert.ok(Number.isFinite(n) && n >= 0 && n <= Number.MAX_SAFE_INTEGER, `${JSON.stringify(t)} → ${n}`)
      }
    }), options)
    assert.equal(parseSize('8M', '--download-limit'), 8 * 1024 * 1024)
    assert.equal(parseSize('512k', '--download-limit'), 512 * 1024)
    assert.equal(parseSize('1G', '--download-limit'), 1024 ** 3)
  })

  test('a direct ticket answer of any bytes is a ticket (port 1..65535, 16-byte id, 32-byte key) or nothing', () => {
    const answer = fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ minLength: TICKET_ANSWER_BYTES, maxLength: TICKET_ANSWER_BYTES }).map(b => { b[0] = 1; return b }))
    fc.assert(fc.property(answer, bytes => {
      const ticket = decodeTicketAnswer(bytes)
      if (ticket !== undefined) {
        assert.ok(Number.isInteger(ticket.port) && ticket.port >= 1 && ticket.port <= 65535)
        assert.equal(ticket.id.byteLength, 16)
        assert.equal(ticket.key.byteLength, 32)
      }
    }), options)
  })

  test('--direct-port: a port 0..65535, or BAD_ARGUMENT', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 12 }), fc.integer({ min: -10, max: 100_000 }).map(String)), t => {
      const port = onlyErrors(() => parsePort(t, '--direct-port'), [ErrorCode.BadArgument])
      if (port !== undefined) assert.ok(Number.isInteger(port) && port >= 0 && port <= 65535, `${JSON.stringify(t)} → ${port}`)
    }), options)
  })

  test('a bitfield from the wire is valid or refused', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 5000 }), fc.uint8Array({ maxLength: 700 }), (size, bytes) => {
      const field = onlyErrors(() => Bitfield.fromBytes(size, bytes), [ErrorCode.BadMessage])
      if (field !== undefined) assert.deepEqual(field.toBytes(), bytes)
    }), options)
  })

  test('a network key file is a key or BAD_ARGUMENT', () => {
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.stringMatching(/^\/key\/swarm\/psk\/1\.0\.0\/\r?\n\/base16\/\r?\n[0-9a-fA-F]{60,68}\s*$/).map(s => new TextEncoder().encode(s))), bytes => {
      onlyErrors(() => parseNetworkKey(bytes), [ErrorCode.BadArgument])
    }), options)
  })

  test('a journal of any bytes yields only pieces in range, each once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'shoal-fuzz-'))
    try {
      const journal = new PieceJournal(join(dir, 'journal'))
      await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 0, max: 100 }), async (bytes, pieceCount) => {
        await writeFile(journal.path, bytes)
        const pieces = await journal.read(pieceCount)
        assert.equal(new Set(pieces).size, pieces.length)
        assert.ok(pieces.every(p => Number.isInteger(p) && p >= 0 && p < pieceCount))
      }), asyncOptions)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
