import { describe, it } from 'node:test'
import { strict as assert } from 'node:assert'
import { Uint8ArrayList } from 'uint8arraylist'
import { ErrorCode, ShoalError } from '../../src/errors.js'
import {
  FrameReader,
  MAX_ADDR_BYTES,
  MAX_ADDRS_PER_PEER,
  MAX_CID_BYTES,
  MAX_FRAME_BYTES,
  MAX_HASHES_PER_MESSAGE,
  MAX_PEER_ID_BYTES,
  MAX_PEERS_PER_MESSAGE,
  MAX_PIECE_BYTES,
  MAX_SIGNED_MANIFEST_BYTES,
  MESSAGE_CODES,
  PROTOCOL,
  decodeMessage,
  encodeMessage,
  encodedLength,
  isProviderMessage,
  isRequesterMessage,
  readMessages,
  StreamEndedInsideFrame
} from '../../src/swarm/wire/index.js'
import { faultOf } from '../../src/swarm/common/faults.js'
import type { Message, PeerRecord } from '../../src/swarm/wire/index.js'

const bytes = (n: number, fill = 7): Uint8Array => new Uint8Array(n).fill(fill)

/** Plain Uint8Array (not Buffer), so decoded views compare deep-equal to the originals. */
function concat (chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0))
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.byteLength
  }
  return out
}

/** The frame body (type + payload) of a message, as decodeMessage takes it. */
function body (m: Message): Uint8Array {
  return concat(encodeMessage(m)).subarray(4)
}

/** A hand-made frame body, for messages the encoder refuses to produce. */
function rawBody (code: number, ...parts: Array<number | Uint8Array>): Uint8Array {
  return concat([Uint8Array.of(code), ...parts.map(p => typeof p === 'number' ? Uint8Array.of(p) : p)])
}

function u32 (n: number): Uint8Array {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, n)
  return out
}

function throwsCode (fn: () => unknown, code: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ShoalError, `expected ShoalError, got ${String(err)}`)
    assert.equal(err.code, code, err.message)
    return true
  })
}

const bad = (fn: () => unknown): void => { throwsCode(fn, ErrorCode.BadMessage) }

const peer = (idLen: number, addrCount: number, addrLen = 20): PeerRecord => ({
  id: bytes(idLen, 1),
  addrs: Array.from({ length: addrCount }, (_, i) => bytes(addrLen, i))
})

const SAMPLES: Message[] = [
  { type: 'open', cid: bytes(36, 0x55) },
  { type: 'get-manifest' },
  { type: 'get-hashes', file: 3 },
  { type: 'request', piece: 0xffff_ffff },
  { type: 'cancel', piece: 17 },
  { type: 'get-peers' },
  { type: 'bitfield', pieceCount: 20, bits: Uint8Array.of(0xff, 0x01, 0xf0) },
  { type: 'bitfield', pieceCount: 0, bits: new Uint8Array(0) },
  { type: 'manifest', signed: bytes(300, 9) },
  { type: 'hashes', file: 1, hashes: bytes(32 * 5, 3) },
  { type: 'hashes', file: 2, hashes: new Uint8Array(0) },
  { type: 'piece', piece: 42, data: bytes(1000, 4) },
  { type: 'have', piece: 5 },
  { type: 'reject', piece: 6 },
  { type: 'peers', peers: [peer(38, 2), peer(1, 0), peer(255, 8, 255)] },
  { type: 'peers', peers: [] },
  { type: 'not-found' }
]

/** Messages whose every strict prefix is malformed (no trailing field of free length). */
const STRICT = SAMPLES.filter(m => !['piece', 'manifest', 'hashes'].includes(m.type))

describe('wire codec', () => {
  it('has the protocol id', () => {
    assert.equal(PROTOCOL, '/shoal/swarm/1.0.0')
  })

  it('round-trips every message type', () => {
    const seen = new Set<string>()
    for (const m of SAMPLES) {
      const chunks = encodeMessage(m)
      const frame = concat(chunks)
      assert.equal(frame.byteLength, encodedLength(m), m.type)
      assert.equal(new DataView(frame.buffer, frame.byteOffset).getUint32(0), frame.byteLength - 4)
      assert.equal(frame[4], MESSAGE_CODES[m.type])
      assert.deepEqual(decodeMessage(frame.subarray(4)), m)
      seen.add(m.type)
    }
    assert.deepEqual([...seen].sort(), Object.keys(MESSAGE_CODES).sort())
  })

  it('does not copy large fields when encoding or decoding', () => {
    const data = bytes(4096)
    const chunks = encodeMessage({ type: 'piece', piece: 1, data })
    assert.equal(chunks.length, 2)
    assert.equal(chunks[1], data)
    const frame = body({ type: 'piece', piece: 1, data })
    const decoded = decodeMessage(frame)
    assert.ok(decoded.type === 'piece' && decoded.data instanceof Uint8Array)
    assert.equal(decoded.data.buffer, frame.buffer)
  })

  it('keeps a large piece spread over many chunks as those chunks, and decodes it intact', () => {
    const data = bytes(300 * 1024)
    const wire = stream([{ type: 'piece', piece: 7, data }, { type: 'have', piece: 3 }])
    const reader = new FrameReader()
    const chunks: Uint8Array[] = []
    for (let at = 0; at < wire.byteLength; at += 16 * 1024) chunks.push(wire.subarray(at, at + 16 * 1024))
    for (const chunk of chunks) reader.push(chunk)
    const frame = reader.next()
    assert.ok(frame instanceof Uint8ArrayList, 'a spread piece frame is a list')
    const decoded = decodeMessage(frame)
    assert.ok(decoded.type === 'piece' && decoded.data instanceof Uint8ArrayList)
    assert.equal(decoded.piece, 7)
    // Its chunks are views of what was pushed, not copies.
    assert.ok([...decoded.data].every(part => chunks.some(c => c.buffer === part.buffer)))
    assert.deepEqual(decoded.data.subarray(), data)
    assert.deepEqual(decodeMessage(reader.next() as Uint8Array), { type: 'have', piece: 3 })
  })

  it('sorts messages by direction', () => {
    for (const m of SAMPLES) {
      assert.equal(isRequesterMessage(m), MESSAGE_CODES[m.type] < 0x80, m.type)
      assert.equal(isProviderMessage(m), !isRequesterMessage(m))
    }
  })

  it('rejects truncated frames', () => {
    for (const m of STRICT) {
      const full = body(m)
      for (let n = 1; n < full.byteLength; n++) {
        bad(() => decodeMessage(full.subarray(0, n)))
      }
    }
    bad(() => decodeMessage(rawBody(MESSAGE_CODES.piece, 0, 0, 1)))
    bad(() => decodeMessage(rawBody(MESSAGE_CODES.piece, u32(1))))
    bad(() => decodeMessage(rawBody(MESSAGE_CODES.hashes, u32(1), bytes(31))))
    bad(() => decodeMessage(rawBody(MESSAGE_CODES.manifest)))
    bad(() => decodeMessage(new Uint8Array(0)))
  })

  it('rejects trailing bytes', () => {
    for (const m of STRICT) {
      bad(() => decodeMessage(concat([body(m), Uint8Array.of(0)])))
    }
    bad(() => decodeMessage(rawBody(MESSAGE_CODES.hashes, u32(1), bytes(33))))
  })

  it('rejects unknown types', () => {
    const known = new Set<number>(Object.values(MESSAGE_CODES))
    for (let code = 0; code < 256; code++) {
      if (!known.has(code)) {
        bad(() => decodeMessage(rawBody(code, u32(0))))
        bad(() => decodeMessage(Uint8Array.of(code)))
      }
    }
    bad(() => encodeMessage({ type: 'nope' } as unknown as Message))
  })

  it('rejects bad bitfields', () => {
    bad(() => decodeMessage(rawBody(MESSAGE_CODES.bitfield, u32(20), Uint8Array.of(0xff, 0xff, 0xf8))))
    bad(() => decodeMessage(rawBody(MESSAGE_CODES.bitfield, u32(20), Uint8Array.of(0xff, 0xff))))
    bad(() => decodeMessage(rawBody(MESSAGE_CODES.bitfield, u32(0), Uint8Array.of(0))))
    bad(() => encodeMessage({ type: 'bitfield', pieceCount: 9, bits: Uint8Array.of(0, 0x40) }))
    bad(() => decodeMessage(rawBody(MESSAGE_CODES.bitfield, u32(0xffff_ffff), bytes(8))))
  })

  it('rejects out-of-range integers and wrong field types when encoding', () => {
    bad(() => encodeMessage({ type: 'request', piece: -1 }))
    bad(() => encodeMessage({ type: 'request', piece: 2 ** 32 }))
    bad(() => encodeMessage({ type: 'have', piece: 1.5 }))
    bad(() => encodeMessage({ type: 'piece', piece: 1, data: 'x' as unknown as Uint8Array }))
    bad(() => encodeMessage({ type: 'peers', peers: [{ id: bytes(3) } as unknown as PeerRecord] }))
  })
})

describe('wire limits (at passes, one past rejected)', () => {
  it('piece data', () => {
    const at: Message = { type: 'piece', piece: 9, data: new Uint8Array(MAX_PIECE_BYTES) }
    assert.equal(decodeMessage(body(at)).type, 'piece')
    bad(() => encodeMessage({ type: 'piece', piece: 9, data: new Uint8Array(MAX_PIECE_BYTES + 1) }))
    bad(() => decodeMessage(rawBody(MESSAGE_CODES.piece, u32(9), new Uint8Array(MAX_PIECE_BYTES + 1))))
  })

  it('signed manifest', () => {
    const at: Message = { type: 'manifest', signed: new Uint8Array(MAX_SIGNED_MANIFEST_BYTES) }
    assert.equal(decodeMessage(body(at)).type, 'manifest')
    bad(() => encodeMessage({ type: 'manifest', signed: new Uint8Array(MAX_SIGNED_MANIFEST_BYTES + 1) }))
    bad(() => decodeMessage(rawBody(MESSAGE_CODES.manifest, new Uint8Array(MAX_SIGNED_MANIFEST_BYTES + 1))))
  })

  it('hashes (bounded by the frame)', () => {
    const at: Message = { type: 'hashes', file: 0, hashes: new Uint8Array(MAX_HASHES_PER_MESSAGE * 32) }
    const decoded = decodeMessage(body(at))
    assert.ok(decoded.type === 'hashes')
    assert.equal(decoded.hashes.byteLength, MAX_HASHES_PER_MESSAGE * 32)
    const past = new Uint8Array((MAX_HASHES_PER_MESSAGE + 1) * 32)
    throwsCode(() => encodeMessage({ type: 'hashes', file: 0, hashes: past }), ErrorCode.FrameTooLarge)
    throwsCode(() => decodeMessage(rawBody(MESSAGE_CODES.hashes, u32(0), past)), ErrorCode.FrameTooLarge)
  })

  it('frame size', () => {
    const atBits = MAX_FRAME_BYTES - 5
    const at: Message = { type: 'bitfield', pieceCount: atBits * 8, bits: new Uint8Array(atBits) }
    assert.equal(encodedLength(at), MAX_FRAME_BYTES + 4)
    assert.equal(decodeMessage(body(at)).type, 'bitfield')
    const past: Message = { type: 'bitfield', pieceCount: (atBits + 1) * 8, bits: new Uint8Array(atBits + 1) }
    throwsCode(() => encodeMessage(past), ErrorCode.FrameTooLarge)
    throwsCode(() => decodeMessage(rawBody(MESSAGE_CODES.bitfield, u32((atBits + 1) * 8), new Uint8Array(atBits + 1))), ErrorCode.FrameTooLarge)
  })

  it('peers per message', () => {
    const at: Message = { type: 'peers', peers: Array.from({ length: MAX_PEERS_PER_MESSAGE }, () => peer(38, 1)) }
    assert.deepEqual(decodeMessage(body(at)), at)
    const past = Array.from({ length: MAX_PEERS_PER_MESSAGE + 1 }, () => peer(38, 1))
    bad(() => encodeMessage({ type: 'peers', peers: past }))
    const entry = body({ type: 'peers', peers: [peer(38, 1)] }).subarray(2)
    bad(() => decodeMessage(rawBody(MESSAGE_CODES.peers, MAX_PEERS_PER_MESSAGE + 1, ...past.map(() => entry))))
  })

  it('addrs per peer', () => {
    const at: Message = { type: 'peers', peers: [peer(38, MAX_ADDRS_PER_PEER)] }
    assert.deepEqual(decodeMessage(body(at)), at)
    bad(() => encodeMessage({ type: 'peers', peers: [peer(38, MAX_ADDRS_PER_PEER + 1)] }))
    const addrs = Array.from({ length: MAX_ADDRS_PER_PEER + 1 }, () => rawBody(4, bytes(4)))
    bad(() => decodeMessage(rawBody(MESSAGE_CODES.peers, 1, 2, bytes(2), MAX_ADDRS_PER_PEER + 1, ...addrs)))
  })

  it('u8-prefixed byte strings', () => {
    assert.equal(decodeMessage(body({ type: 'open', cid: bytes(MAX_CID_BYTES) })).type, 'open')
    bad(() => encodeMessage({ type: 'open', cid: bytes(MAX_CID_BYTES + 1) }))
    bad(() => encodeMessage({ type: 'open', cid: new Uint8Array(0) }))
    bad(() => decodeMessage(rawBody(MESSAGE_CODES.open, 0)))
    assert.equal(decodeMessage(body({ type: 'peers', peers: [peer(MAX_PEER_ID_BYTES, 1, MAX_ADDR_BYTES)] })).type, 'peers')
    bad(() => encodeMessage({ type: 'peers', peers: [peer(MAX_PEER_ID_BYTES + 1, 1)] }))
    bad(() => encodeMessage({ type: 'peers', peers: [peer(10, 1, MAX_ADDR_BYTES + 1)] }))
    bad(() => encodeMessage({ type: 'peers', peers: [peer(0, 1)] }))
    bad(() => decodeMessage(rawBody(MESSAGE_CODES.peers, 1, 2, bytes(2), 1, 0)))
  })
})

/** Deterministic PRNG (mulberry32), so a failure can be replayed. */
function prng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

function stream (messages: Message[]): Uint8Array {
  return concat(messages.flatMap(m => encodeMessage(m)))
}

function drain (reader: FrameReader): Uint8Array[] {
  const frames: Uint8Array[] = []
  for (let f = reader.next(); f !== undefined; f = reader.next()) {
    frames.push(f instanceof Uint8Array ? Uint8Array.from(f) : f.slice())
  }
  return frames
}

describe('FrameReader', () => {
  const all = stream(SAMPLES)
  const expected = SAMPLES.map(body)

  it('gives the same frames fed byte by byte, in one chunk, or in random chunks', () => {
    const oneByte = new FrameReader()
    const byByte: Uint8Array[] = []
    for (const b of all) {
      oneByte.push(Uint8Array.of(b))
      byByte.push(...drain(oneByte))
    }
    assert.deepEqual(byByte, expected)
    assert.equal(oneByte.bufferedBytes, 0)

    const whole = new FrameReader()
    whole.push(all)
    assert.deepEqual(drain(whole), expected)

    const random = prng(1)
    const chunked = new FrameReader()
    const frames: Uint8Array[] = []
    for (let at = 0; at < all.byteLength;) {
      const n = 1 + Math.floor(random() * 200)
      chunked.push(new Uint8ArrayList(all.subarray(at, at + n)))
      at += n
      frames.push(...drain(chunked))
    }
    assert.deepEqual(frames, expected)
  })

  it('returns undefined for an incomplete frame and counts buffered bytes', () => {
    const reader = new FrameReader()
    const frame = concat(encodeMessage({ type: 'have', piece: 1 }))
    reader.push(frame.subarray(0, 6))
    assert.equal(reader.next(), undefined)
    assert.equal(reader.bufferedBytes, 6)
    reader.push(frame.subarray(6))
    assert.deepEqual(decodeMessage(reader.next() as Uint8Array), { type: 'have', piece: 1 })
    assert.equal(reader.bufferedBytes, 0)
  })

  it('rejects a header announcing 1 GiB as soon as the header is in', () => {
    const reader = new FrameReader()
    reader.push(u32(2 ** 30).subarray(0, 2))
    throwsCode(() => { reader.push(u32(2 ** 30).subarray(2)) }, ErrorCode.FrameTooLarge)
    assert.ok(reader.bufferedBytes <= 4)
    throwsCode(() => reader.next(), ErrorCode.FrameTooLarge)
    throwsCode(() => { reader.push(bytes(10)) }, ErrorCode.FrameTooLarge)
  })

  it('accepts a frame of exactly MAX_FRAME_BYTES and rejects one byte more', () => {
    const at = new FrameReader()
    at.push(u32(MAX_FRAME_BYTES))
    at.push(new Uint8Array(MAX_FRAME_BYTES))
    assert.equal(at.next()?.byteLength, MAX_FRAME_BYTES)
    throwsCode(() => { new FrameReader().push(u32(MAX_FRAME_BYTES + 1)) }, ErrorCode.FrameTooLarge)
  })

  it('rejects a zero-length frame', () => {
    throwsCode(() => { new FrameReader().push(u32(0)) }, ErrorCode.BadMessage)
  })
})

async function * chunksOf (data: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < data.byteLength; at += size) {
    yield data.subarray(at, at + size)
  }
}

async function collect (source: AsyncIterable<Message>): Promise<Message[]> {
  const out: Message[] = []
  for await (const m of source) out.push(m)
  return out
}

describe('readMessages', () => {
  it('decodes the messages of a stream', async () => {
    assert.deepEqual(await collect(readMessages(chunksOf(stream(SAMPLES), 7))), SAMPLES)
  })

  it('fails on a stream that ends inside a frame, which scores nobody (the connection was cut)', async () => {
    const data = stream(SAMPLES)
    await assert.rejects(collect(readMessages(chunksOf(data.subarray(0, data.byteLength - 1), 64))),
      (err: unknown) => err instanceof StreamEndedInsideFrame && err.code === ErrorCode.BadMessage && faultOf(err) === undefined)
  })

  it('fails on a bad frame and releases the source', async () => {
    let released = false
    async function * source (): AsyncGenerator<Uint8Array> {
      try {
        yield concat(encodeMessage({ type: 'get-peers' }))
        yield concat([u32(1), Uint8Array.of(0x7f)])
        yield new Uint8Array(10)
      } finally {
        released = true
      }
    }
    await assert.rejects(collect(readMessages(source())),
      (err: unknown) => err instanceof ShoalError && err.code === ErrorCode.BadMessage)
    assert.ok(released)
  })

  it('stops with Aborted when the signal fires while waiting for data', async () => {
    const controller = new AbortController()
    const hang: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]: () => ({ next: async () => await new Promise<IteratorResult<Uint8Array>>(() => {}) })
    }
    const messages = readMessages(hang, { signal: controller.signal })
    setTimeout(() => { controller.abort() }, 5)
    await assert.rejects(messages.next(),
      (err: unknown) => err instanceof ShoalError && err.code === ErrorCode.Aborted)
  })
})

describe('fuzz', () => {
  function onlyShoalErrors (fn: () => unknown): void {
    try {
      fn()
    } catch (err) {
      if (!(err instanceof ShoalError)) throw err
      assert.ok(err.code === ErrorCode.BadMessage || err.code === ErrorCode.FrameTooLarge, err.code)
    }
  }

  it('random bytes never throw anything but ShoalError', () => {
    const random = prng(0x5eed)
    const codes = Object.values(MESSAGE_CODES)
    for (let i = 0; i < 5000; i++) {
      const buf = new Uint8Array(Math.floor(random() * 80))
      for (let j = 0; j < buf.byteLength; j++) buf[j] = Math.floor(random() * 256)
      // Most buffers start with a real type byte so the payload parsers get exercised.
      if (buf.byteLength > 0 && random() < 0.8) buf[0] = codes[Math.floor(random() * codes.length)] ?? 0
      onlyShoalErrors(() => decodeMessage(buf))
      if (buf.byteLength >= 4 && random() < 0.5) {
        new DataView(buf.buffer).setUint32(0, Math.floor(random() * buf.byteLength))
      }
      onlyShoalErrors(() => {
        const reader = new FrameReader()
        reader.push(buf)
        for (let f = reader.next(); f !== undefined; f = reader.next()) decodeMessage(f)
      })
    }
  })

  it('mutated valid frames never throw anything but ShoalError', () => {
    const random = prng(42)
    const frames = SAMPLES.map(body)
    for (let i = 0; i < 5000; i++) {
      const frame = Uint8Array.from(frames[i % frames.length] ?? [])
      const flips = 1 + Math.floor(random() * 3)
      for (let k = 0; k < flips; k++) {
        const at = Math.floor(random() * frame.byteLength)
        frame[at] = (frame[at] ?? 0) ^ (1 << Math.floor(random() * 8))
      }
      const cut = random() < 0.3 ? Math.floor(random() * frame.byteLength) : frame.byteLength
      onlyShoalErrors(() => decodeMessage(frame.subarray(0, cut)))
    }
  })
})
