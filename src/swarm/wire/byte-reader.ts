import { badMessage } from './limits.js'

/**
 * A bounds-checked cursor over one frame. Every read checks the bytes are there first, so a lying
 * length can only produce BadMessage, never a large allocation or an out-of-range read.
 */
export class ByteReader {
  private readonly bytes: Uint8Array
  private readonly view: DataView
  private offset: number
  private readonly what: string

  /** `what` names the message in error texts. */
  constructor (bytes: Uint8Array, offset: number, what: string) {
    this.bytes = bytes
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    this.offset = offset
    this.what = what
  }

  get remaining (): number {
    return this.bytes.byteLength - this.offset
  }

  u8 (): number {
    this.need(1)
    return this.view.getUint8(this.offset++)
  }

  u32 (): number {
    this.need(4)
    const value = this.view.getUint32(this.offset, false)
    this.offset += 4
    return value
  }

  /** The next `n` bytes, as a view (no copy). */
  bytesView (n: number): Uint8Array {
    this.need(n)
    const out = this.bytes.subarray(this.offset, this.offset + n)
    this.offset += n
    return out
  }

  /** Everything left, as a view. */
  rest (): Uint8Array {
    return this.bytesView(this.remaining)
  }

  /** Throws if anything is left: a frame must be exactly its message. */
  end (): void {
    if (this.remaining !== 0) {
      badMessage(`${this.what} message has ${this.remaining} trailing bytes`)
    }
  }

  private need (n: number): void {
    if (n > this.remaining) {
      badMessage(`${this.what} message is truncated`)
    }
  }
}
