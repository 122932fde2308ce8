import type { BigIntStats } from 'node:fs'

/**
 * What identifies a file's bytes without reading them: size, modification and change times in
 * nanoseconds, inode and device. Any write, truncation, `touch` or replacement by rename changes
 * it (ctime cannot be set back from user space), so a file whose stamp is the one it had when it
 * was hashed still holds the hashed bytes, short of a write the clock could not see (see
 * docs/security.md, "Serving without re-hashing").
 */
export type FileStamp = string

export function stampOf (stats: BigIntStats): FileStamp {
  return `${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}:${stats.ino}:${stats.dev}`
}
