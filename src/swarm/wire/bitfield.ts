import { ErrorCode, ShoalError } from '../../errors.js'

/** Set bits in each byte value, so counting a received bitfield is one lookup per byte. */
const POPCOUNT = new Uint8Array(256)
for (let i = 1; i < 256; i++) {
  POPCOUNT[i] = (i & 1) + (POPCOUNT[i >> 1] ?? 0)
}

const MAX_SIZE = 0xffff_ffff

/** Bytes needed for `size` bits. */
export function bitfieldByteLength (size: number): number {
  return Math.ceil(size / 8)
}

/**
 * Throws ShoalError(BadMessage) unless `bytes` is a valid bitfield of `size` bits: exactly
 * ceil(size / 8) bytes, and the spare low bits of the last byte zero (so two encodings of the same
 * set never differ).
 */
export function checkBitfieldBytes (size: number, bytes: Uint8Array): void {
  if (bytes.byteLength !== bitfieldByteLength(size)) {
    throw new ShoalError(ErrorCode.BadMessage, `bitfield of ${size} pieces must be ${bitfieldByteLength(size)} bytes, got ${bytes.byteLength}`)
  }
  const spare = bytes.byteLength * 8 - size
  if (spare > 0 && ((bytes[bytes.byteLength - 1] ?? 0) & ((1 << spare) - 1)) !== 0) {
    throw new ShoalError(ErrorCode.BadMessage, 'bitfield has spare bits set')
  }
}

/**
 * Which pieces of a piece of content are present. Bit i is bit (7 - i % 8) of byte floor(i / 8):
 * most significant bit first, as in BitTorrent, and as sent in the `bitfield` message.
 *
 * Out-of-range indexes are programming errors for `set`/`clear` (RangeError); `has` answers false
 * for them so a peer's claim about an index can be checked without a try.
 */
export class Bitfield {
  readonly size: number
  private readonly bytes: Uint8Array
  private setCount: number

  /** `bits`, when given, is validated like `fromBytes` and copied. */
  constructor (size: number, bits?: Uint8Array) {
    if (!Number.isInteger(size) || size < 0 || size > MAX_SIZE) {
      throw new RangeError(`bitfield size must be an integer in 0..${MAX_SIZE}, got ${size}`)
    }
    this.size = size
    if (bits === undefined) {
      this.bytes = new Uint8Array(bitfieldByteLength(size))
      this.setCount = 0
    } else {
      checkBitfieldBytes(size, bits)
      this.bytes = bits.slice()
      this.setCount = 0
      for (const byte of this.bytes) {
        this.setCount += POPCOUNT[byte] ?? 0
      }
    }
  }

  /** A bitfield from its wire bytes; throws ShoalError(BadMessage) on a wrong length or spare bits. */
  static fromBytes (size: number, bytes: Uint8Array): Bitfield {
    return new Bitfield(size, bytes)
  }

  /** A bitfield with every piece present (a seeder's). */
  static full (size: number): Bitfield {
    const field = new Bitfield(size)
    field.bytes.fill(0xff)
    const spare = field.bytes.byteLength * 8 - size
    if (spare > 0) {
      field.bytes[field.bytes.byteLength - 1] = (0xff << spare) & 0xff
    }
    field.setCount = size
    return field
  }

  has (i: number): boolean {
    if (!this.inRange(i)) {
      return false
    }
    return ((this.bytes[i >>> 3] ?? 0) & (0x80 >>> (i & 7))) !== 0
  }

  set (i: number): void {
    this.checkIndex(i)
    const byte = this.bytes[i >>> 3] ?? 0
    const mask = 0x80 >>> (i & 7)
    if ((byte & mask) === 0) {
      this.bytes[i >>> 3] = byte | mask
      this.setCount++
    }
  }

  clear (i: number): void {
    this.checkIndex(i)
    const byte = this.bytes[i >>> 3] ?? 0
    const mask = 0x80 >>> (i & 7)
    if ((byte & mask) !== 0) {
      this.bytes[i >>> 3] = byte & ~mask
      this.setCount--
    }
  }

  /** Number of pieces present; kept up to date by set/clear, so O(1). */
  count (): number {
    return this.setCount
  }

  isComplete (): boolean {
    return this.setCount === this.size
  }

  /** A copy of the wire form (ceil(size / 8) bytes, spare bits zero). */
  toBytes (): Uint8Array {
    return this.bytes.slice()
  }

  /** Indexes of the pieces not present, ascending. */
  missing (): number[] {
    const out: number[] = []
    for (let b = 0; b < this.bytes.byteLength; b++) {
      const byte = this.bytes[b] ?? 0
      if (byte === 0xff) {
        continue
      }
      const end = Math.min(b * 8 + 8, this.size)
      for (let i = b * 8; i < end; i++) {
        if ((byte & (0x80 >>> (i & 7))) === 0) {
          out.push(i)
        }
      }
    }
    return out
  }

  private inRange (i: number): boolean {
    return Number.isInteger(i) && i >= 0 && i < this.size
  }

  private checkIndex (i: number): void {
    if (!this.inRange(i)) {
      throw new RangeError(`piece index ${i} out of range 0..${this.size - 1}`)
    }
  }
}
