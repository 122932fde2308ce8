import { test } from 'node:test'
import { strict as assert } from 'node:assert'
import { ErrorCode } from '../../src/errors.js'
import {
  decodeManifest, encodeManifest, manifestCid, validateManifest, JSON_CODEC, MAX_FILES, MAX_MANIFEST_BYTES, MAX_PIECES,
  MIN_PIECE_SIZE, SHA256_CODE, type Manifest
} from '../../src/content/manifest.js'

const ROOT_A = 'a'.repeat(64)
const ROOT_B = 'b'.repeat(64)

function dirManifest (files: Array<{ path: string, size: number, root?: string }>, overrides: Partial<Manifest> = {}): Manifest {
  return {
    version: 1,
    name: 'photos',
    kind: 'dir',
    pieceSize: MIN_PIECE_SIZE,
    files: files.map(f => ({ path: f.path, size: f.size, root: f.root ?? ROOT_A })),
    ...overrides
  }
}

/** Manifest bytes built by hand, so decode sees exactly what a hostile peer could send. */
function rawBytes (value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value))
}

function assertBadManifest (bytes: Uint8Array, pattern?: RegExp): void {
  assert.throws(() => decodeManifest(bytes), (err: any) => {
    assert.equal(err.name, 'ShoalError')
    assert.equal(err.code, ErrorCode.BadManifest)
    assert.ok(!err.message.includes('\n'), 'message is one line')
    if (pattern !== undefined) assert.match(err.message, pattern)
    return true
  })
}

const valid = dirManifest([{ path: 'a.txt', size: 5 }, { path: 'sub/b.bin', size: 70000, root: ROOT_B }])

test('encoding is canonical JSON with a fixed key order', () => {
  const text = new TextDecoder().decode(encodeManifest(valid))
  assert.equal(text, `{"version":1,"name":"photos","kind":"dir","pieceSize":16384,"files":[{"path":"a.txt","size":5,"root":"${ROOT_A}"},{"path":"sub/b.bin","size":70000,"root":"${ROOT_B}"}]}`)
  // Key order in the input object does not matter.
  const shuffled = { files: valid.files.map(f => ({ root: f.root, size: f.size, path: f.path })), pieceSize: valid.pieceSize, kind: valid.kind, name: valid.name, version: 1 } as Manifest
  assert.deepEqual(encodeManifest(shuffled), encodeManifest(valid))
})

test('encode/decode round trip', () => {
  assert.deepEqual(decodeManifest(encodeManifest(valid)), valid)
  const single: Manifest = { version: 1, name: 'movie.mkv', kind: 'file', pieceSize: 1 << 20, files: [{ path: 'movie.mkv', size: 0, root: ROOT_A }] }
  assert.deepEqual(decodeManifest(encodeManifest(single)), single)
  const empty = dirManifest([])
  assert.deepEqual(decodeManifest(encodeManifest(empty)), empty)
})

test('same bytes give the same CID; one changed byte gives another', () => {
  const bytes = encodeManifest(valid)
  const cid = manifestCid(bytes)
  assert.ok(cid.equals(manifestCid(Uint8Array.from(bytes))))
  assert.equal(cid.version, 1)
  assert.equal(cid.code, JSON_CODEC)
  assert.equal(cid.multihash.code, SHA256_CODE)
  assert.match(cid.toString(), /^bagaaiera/)
  const changed = encodeManifest(dirManifest([{ path: 'a.txt', size: 6 }, { path: 'sub/b.bin', size: 70000, root: ROOT_B }]))
  assert.equal(changed.length, bytes.length)
  assert.ok(!manifestCid(changed).equals(cid))
})

test('rejects non-canonical bytes of a valid manifest', () => {
  const pretty = new TextEncoder().encode(JSON.stringify(JSON.parse(new TextDecoder().decode(encodeManifest(valid))), null, 2))
  assertBadManifest(pretty, /canonical/)
  const reordered = rawBytes({ name: 'photos', version: 1, kind: 'dir', pieceSize: MIN_PIECE_SIZE, files: [] })
  assertBadManifest(reordered, /canonical/)
  const escaped = new TextEncoder().encode(new TextDecoder().decode(encodeManifest(valid)).replace('"photos"', '"phot\\u006fs"'))
  assertBadManifest(escaped, /canonical/)
  const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...encodeManifest(valid)])
  assertBadManifest(withBom)
})

test('rejects bytes that are not a JSON object of the right shape', () => {
  assertBadManifest(new Uint8Array([0xff, 0xfe]), /UTF-8/)
  assertBadManifest(new TextEncoder().encode('{"version":1,'), /JSON/)
  assertBadManifest(rawBytes([1, 2]))
  assertBadManifest(rawBytes(null))
  assertBadManifest(rawBytes({ ...valid, extra: true }), /exactly the keys/)
  const { files: _files, ...missing } = valid
  assertBadManifest(rawBytes(missing), /exactly the keys/)
  assertBadManifest(rawBytes({ ...valid, files: [{ ...valid.files[0], mode: 420 }] }), /exactly the keys/)
  assertBadManifest(new TextEncoder().encode('{"__proto__":{},"version":1,"name":"a","kind":"dir","pieceSize":16384,"files":[]}'))
  assertBadManifest(new Uint8Array(MAX_MANIFEST_BYTES + 1), /too large/)
})

test('rejects wrong field values and types', () => {
  const cases: Array<[string, unknown]> = [
    ['version 2', { ...valid, version: 2 }],
    ['version as string', { ...valid, version: '1' }],
    ['kind', { ...valid, kind: 'folder' }],
    ['name as number', { ...valid, name: 7 }],
    ['piece size not a power of two', { ...valid, pieceSize: 20000 }],
    ['piece size too small', { ...valid, pieceSize: 8192 }],
    ['piece size too large', { ...valid, pieceSize: 32 * 1024 * 1024 }],
    ['piece size as string', { ...valid, pieceSize: '16384' }],
    ['files not a list', { ...valid, files: {} }],
    ['negative size', dirManifest([{ path: 'a', size: -1 }])],
    ['fractional size', dirManifest([{ path: 'a', size: 1.5 }])],
    ['unsafe size', dirManifest([{ path: 'a', size: 2 ** 53 }])],
    ['size as string', { ...valid, files: [{ path: 'a', size: '5', root: ROOT_A }] }],
    ['uppercase root', dirManifest([{ path: 'a', size: 1, root: 'A'.repeat(64) }])],
    ['short root', dirManifest([{ path: 'a', size: 1, root: 'a'.repeat(63) }])],
    ['sizes summing past 2^53-1', dirManifest([{ path: 'a', size: 2 ** 52 }, { path: 'b', size: 2 ** 52 }], { pieceSize: 1 << 24 })],
    ['too many pieces', dirManifest([{ path: 'a', size: (MAX_PIECES + 1) * MIN_PIECE_SIZE }])],
    ['file kind with two files', { ...dirManifest([{ path: 'a', size: 1 }, { path: 'b', size: 1 }]), kind: 'file', name: 'a' }],
    ['file kind with path not the name', { ...dirManifest([{ path: 'other', size: 1 }]), kind: 'file', name: 'a' }],
    ['file kind with no files', { ...dirManifest([]), kind: 'file', name: 'a' }]
  ]
  for (const [label, value] of cases) {
    assert.throws(() => decodeManifest(rawBytes(value)), { code: ErrorCode.BadManifest }, label)
  }
})

test('rejects hostile names and paths', () => {
  const hostilePaths = [
    '..', '../etc/passwd', 'a/../../b', '.', 'a/./b', '/etc/passwd', 'a//b', 'a/', '',
    'a\u0000b', 'a\nb', 'tab\there', 'back\\slash', 'C:\\Windows',
    'CON', 'con.txt', 'sub/nul', 'Lpt9.tar.gz', 'com1', 'AUX',
    'x'.repeat(256), 'é'.repeat(128), // 256 UTF-8 bytes in 128 characters
    Array.from({ length: 17 }, () => 'y'.repeat(250)).join('/'), // > 4096 bytes
    'lone\ud800surrogate'
  ]
  for (const path of hostilePaths) {
    assert.throws(() => decodeManifest(rawBytes(dirManifest([{ path, size: 1 }]))), { code: ErrorCode.BadManifest }, JSON.stringify(path))
  }
  for (const name of ['..', 'a/b', 'NUL', '', 'x\u001f']) {
    assert.throws(() => decodeManifest(rawBytes(dirManifest([], { name }))), { code: ErrorCode.BadManifest }, JSON.stringify(name))
  }
  // Near misses that are fine.
  for (const path of ['console', 'com10', 'con_', 'a..b', '...', '.hidden', 'x'.repeat(255), 'ü/ñ', 'emoji 😀']) {
    assert.doesNotThrow(() => decodeManifest(encodeManifest(dirManifest([{ path, size: 1 }]))), JSON.stringify(path))
  }
})

test('rejects duplicates, file-where-folder and unsorted paths', () => {
  assertBadManifest(rawBytes(dirManifest([{ path: 'a', size: 1 }, { path: 'a', size: 1 }])), /duplicate/)
  assertBadManifest(rawBytes(dirManifest([{ path: 'a', size: 1 }, { path: 'a/b', size: 1 }])), /both a file and a folder/)
  // 'a!' and 'a.txt' sort between 'a' and 'a/b', so the check must look past neighbours.
  assertBadManifest(rawBytes(dirManifest([{ path: 'a', size: 1 }, { path: 'a!', size: 1 }, { path: 'a.txt', size: 1 }, { path: 'a/b/c', size: 1 }])), /both a file and a folder/)
  assertBadManifest(rawBytes(dirManifest([{ path: 'b', size: 1 }, { path: 'a', size: 1 }])), /not sorted/)
  // Byte order, not UTF-16 order: U+FFFD (EF BF BD) sorts before U+1F600 (F0 9F 98 80).
  const sorted = dirManifest([{ path: '\ufffd', size: 1 }, { path: '😀', size: 1 }])
  assert.doesNotThrow(() => decodeManifest(encodeManifest(sorted)))
  assertBadManifest(rawBytes({ ...sorted, files: [...sorted.files].reverse() }), /not sorted/)
  assert.doesNotThrow(() => decodeManifest(encodeManifest(dirManifest([{ path: 'a', size: 1 }, { path: 'a.b/c', size: 1 }, { path: 'ab/c', size: 1 }]))))
})

test('encodeManifest refuses an invalid manifest', () => {
  assert.throws(() => encodeManifest(dirManifest([{ path: '../x', size: 1 }])), { code: ErrorCode.BadManifest })
})

test('file count limit', () => {
  // Unreachable through 8 MiB of bytes (an entry takes ~90), so checked on the object form.
  const files = Array.from({ length: MAX_FILES + 1 }, () => ({ path: 'a', size: 0, root: ROOT_A }))
  assert.throws(() => validateManifest({ ...valid, files }), /too many files/)
})
