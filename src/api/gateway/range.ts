/** A byte range of a file, both ends included (as in HTTP). */
export interface ByteRange { start: number, end: number }

/**
 * Parses a `Range` header for a file of `size` bytes (RFC 9110 §14.1.2): `bytes=a-b`, `bytes=a-`,
 * `bytes=-n`. Returns undefined to serve the whole file (no header, another unit, several ranges,
 * or a malformed one: a server may ignore what it does not support), or 'unsatisfiable' (416).
 */
export function parseRange (header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header)
  if (match === null) return undefined
  const [, first, last] = match as unknown as [string, string, string]
  if (first === '' && last === '') return undefined
  if (first === '') {
    const suffix = Number(last)
    if (suffix === 0 || size === 0) return 'unsatisfiable'
    return { start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(first)
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1)
  if (!Number.isSafeInteger(start) || start >= size) return 'unsatisfiable'
  if (end < start) return undefined
  return { start, end }
}
