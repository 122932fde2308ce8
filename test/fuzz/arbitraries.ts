/** fast-check generators shared by the fuzz tests: valid wire messages and valid manifests. */
import fc from 'fast-check'
import { ShoalError } from '../../src/errors.js'
import type { Manifest } from '../../src/content/manifest.js'
import type { Message } from '../../src/swarm/wire/index.js'

/** Every fuzz property runs this many cases (async ones fewer), from a fixed seed so failures replay. */
export const RUNS = 3_000
export const ASYNC_RUNS = 500
export const SEED = 0x5eed

const u32 = fc.integer({ min: 0, max: 0xffff_ffff })
const bytes = (minLength: number, maxLength: number): fc.Arbitrary<Uint8Array> =>
  fc.uint8Array({ minLength, maxLength }).map(b => new Uint8Array(b))

const bitfield: fc.Arbitrary<Message> = fc.integer({ min: 0, max: 3_000 }).chain(pieceCount =>
  bytes(Math.ceil(pieceCount / 8), Math.ceil(pieceCount / 8)).map(bits => {
    const spare = bits.byteLength * 8 - pieceCount
    if (spare > 0) bits[bits.byteLength - 1] = (bits[bits.byteLength - 1] ?? 0) & (0xff << spare)
    return { type: 'bitfield' as const, pieceCount, bits }
  }))

/** Any message the encoder accepts (byte fields kept small). */
export const message: fc.Arbitrary<Message> = fc.oneof(
  bytes(1, 255).map(cid => ({ type: 'open' as const, cid })),
  fc.constantFrom<Message>({ type: 'get-manifest' }, { type: 'get-peers' }, { type: 'not-found' }),
  u32.map(file => ({ type: 'get-hashes' as const, file })),
  fc.tuple(fc.constantFrom('request', 'cancel', 'have', 'reject') as fc.Arbitrary<'request' | 'cancel' | 'have' | 'reject'>, u32).map(([type, piece]) => ({ type, piece })),
  bitfield,
  bytes(1, 2_000).map(signed => ({ type: 'manifest' as const, signed })),
  fc.tuple(u32, fc.integer({ min: 0, max: 40 })).chain(([file, n]) => bytes(n * 32, n * 32).map(hashes => ({ type: 'hashes' as const, file, hashes }))),
  fc.tuple(u32, bytes(1, 4_000)).map(([piece, data]) => ({ type: 'piece' as const, piece, data })),
  fc.array(fc.record({ id: bytes(1, 255), addrs: fc.array(bytes(1, 64), { maxLength: 8 }) }), { maxLength: 12 }).map(peers => ({ type: 'peers' as const, peers }))
)

/** A file or folder name that is harmless everywhere (what a sharer produces). */
const safeName = fc.stringMatching(/^[a-zA-Z0-9_][a-zA-Z0-9 _.-]{0,20}$/).filter(n => !/^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i.test(n) && n !== '.' && n !== '..')
const root = fc.stringMatching(/^[0-9a-f]{64}$/)

/** Valid manifests: unique sorted paths, no file where a folder is, sizes within the piece limits. */
export const manifest: fc.Arbitrary<Manifest> = fc.record({
  name: safeName,
  pieceSize: fc.constantFrom(16_384, 65_536, 1_048_576),
  dir: fc.boolean(),
  files: fc.uniqueArray(fc.record({ path: fc.array(safeName, { minLength: 1, maxLength: 3 }).map(s => s.join('/')), size: fc.integer({ min: 0, max: 2 ** 30 }), root }), { minLength: 1, maxLength: 8, selector: f => f.path })
}).map(({ name, pieceSize, dir, files: generated }) => {
  const files = generated.map(f => ({ path: f.path, size: f.size, root: f.root })) // plain objects
  if (!dir) return { version: 1 as const, name, kind: 'file' as const, pieceSize, files: [{ ...files[0]!, path: name }] }
  // Drop any file that is a folder of another, then sort by UTF-8 bytes.
  const kept = files.filter(f => !files.some(g => g !== f && (g.path.startsWith(f.path + '/') || f.path.startsWith(g.path + '/'))))
  kept.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)))
  return { version: 1 as const, name, kind: 'dir' as const, pieceSize, files: kept }
})

/** Path fragments a hostile manifest would try. */
export const hostileSegment = fc.oneof(
  fc.constantFrom('..', '.', '', '/', '\\', '..\\..', 'a\u0000b', 'CON', 'nul.txt', 'lpt1', 'x'.repeat(300), '\ud800', 'a/../..', '~', '$HOME', 'C:', '\n'),
  fc.string({ unit: 'binary', maxLength: 12 }),
  safeName
)

/** Runs `fn`; anything thrown must be a ShoalError with one of `codes`. */
export function onlyErrors<T> (fn: () => T, codes: string[]): T | undefined {
  try {
    return fn()
  } catch (err) {
    if (!(err instanceof ShoalError) || !codes.includes(err.code)) throw err
    return undefined
  }
}
