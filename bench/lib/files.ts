import { randomBytes } from 'node:crypto'
import { open } from 'node:fs/promises'

export const MIB = 1024 * 1024
export const GIB = 1024 * MIB

/** Writes `size` random bytes (random data: no transport can compress it). */
export async function writeRandomFile (path: string, size: number): Promise<void> {
  const handle = await open(path, 'w')
  try {
    const chunk = randomBytes(8 * MIB)
    for (let written = 0; written < size; written += chunk.byteLength) {
      // Vary each chunk a little so no two pieces are equal.
      chunk.writeUInt32BE(written / chunk.byteLength, 0)
      await handle.write(chunk, 0, Math.min(chunk.byteLength, size - written))
    }
  } finally {
    await handle.close()
  }
}

export function mbPerSecond (bytes: number, seconds: number): number {
  return bytes / seconds / 1e6
}
