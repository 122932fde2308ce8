/**
 * Rules for the file and folder names a manifest may carry. Manifests come from
 * untrusted peers and their paths end up on the downloader's disk, so a name must be
 * harmless on Linux, macOS and Windows alike.
 */
import { utf8Length } from './bytes.js'

export { utf8Length }

/** Longest single name, in UTF-8 bytes (the common filesystem limit). */
export const MAX_SEGMENT_BYTES = 255
/** Longest relative path, in UTF-8 bytes (Linux PATH_MAX). */
export const MAX_PATH_BYTES = 4096

const PATH_SEPARATOR = '/'
const FIRST_PRINTABLE_CODE = 0x20

/**
 * Device names Windows reserves whatever the extension ('nul.txt' is the NUL device too).
 * The superscript digits are reserved as well on current Windows.
 */
const WINDOWS_RESERVED = new Set([
  'con', 'prn', 'aux', 'nul',
  ...['1', '2', '3', '4', '5', '6', '7', '8', '9', '¹', '²', '³'].flatMap(d => [`com${d}`, `lpt${d}`])
])

/** A lone UTF-16 surrogate cannot be written to disk as UTF-8 without being altered. */
const LONE_SURROGATE = /\p{Cs}/u

/**
 * True when `name` is usable as one file or folder name: non-empty, at most 255 UTF-8 bytes,
 * not '.' or '..', no '/', '\\', NUL or other control characters, no lone surrogates,
 * and not a Windows reserved device name (CON, PRN, AUX, NUL, COM1-9, LPT1-9, any case, any extension).
 */
export function isSafeSegment (name: string): boolean {
  if (typeof name !== 'string' || name.length === 0 || name === '.' || name === '..') return false
  if (utf8Length(name) > MAX_SEGMENT_BYTES) return false
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i)
    if (code < FIRST_PRINTABLE_CODE || name[i] === '/' || name[i] === '\\') return false
  }
  if (LONE_SURROGATE.test(name)) return false
  return !isWindowsReserved(name)
}

function isWindowsReserved (name: string): boolean {
  const dot = name.indexOf('.')
  // Windows also ignores trailing spaces before the extension: 'CON .txt' is CON.
  const stem = (dot === -1 ? name : name.slice(0, dot)).trimEnd().toLowerCase()
  return WINDOWS_RESERVED.has(stem)
}

/**
 * True when `path` is a relative '/'-separated path of safe segments, at most 4096 UTF-8 bytes
 * (so no leading '/', no empty segment, no '..').
 */
export function isSafePath (path: string): boolean {
  if (typeof path !== 'string' || utf8Length(path) > MAX_PATH_BYTES) return false
  return path.split(PATH_SEPARATOR).every(isSafeSegment)
}

/**
 * Orders strings by their UTF-8 bytes, which is code point order. Plain `<` compares UTF-16
 * code units and puts characters above U+FFFF (surrogate pairs) before U+E000..U+FFFF;
 * moving surrogates to the top of the range fixes that without encoding anything.
 */
export function compareUtf8 (a: string, b: string): number {
  const shared = Math.min(a.length, b.length)
  for (let i = 0; i < shared; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x !== y) return codePointRank(x) - codePointRank(y)
  }
  return a.length - b.length
}

const SURROGATE_FIRST = 0xd800
const SURROGATE_END = 0xe000
const SURROGATE_SHIFT = 0x2000
const ABOVE_SURROGATE_SHIFT = 0x800

function codePointRank (unit: number): number {
  if (unit < SURROGATE_FIRST) return unit
  return unit < SURROGATE_END ? unit + SURROGATE_SHIFT : unit - ABOVE_SURROGATE_SHIFT
}
