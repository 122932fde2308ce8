/**
 * A small private filesystem for disk-full and read-only tests: a tmpfs of a fixed size mounted on
 * a folder of the test's own, which nothing else writes to (so its free space is exact). Needs
 * root (mount); `mountTmpfs` says why not when it cannot, for the test to skip with that reason.
 */
import { execFile } from 'node:child_process'
import { mkdir } from 'node:fs/promises'
import { promisify } from 'node:util'

const run = promisify(execFile)
/** mount/umount are quick; bound them anyway. */
const MOUNT_TIMEOUT_MS = 10_000

export interface Tmpfs { path: string, unmount: () => Promise<void> }

/** Mounts a tmpfs of `bytes` at `path` (created); returns undefined plus the reason when it cannot. */
export async function mountTmpfs (path: string, bytes: number, options: { readOnly?: boolean } = {}): Promise<Tmpfs | string> {
  if (process.platform !== 'linux') return 'tmpfs mounts need Linux'
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root'
  await mkdir(path, { recursive: true })
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${bytes}${options.readOnly === true ? ',ro' : ''}`, 'tmpfs', path], { timeout: MOUNT_TIMEOUT_MS })
  } catch (err: any) {
    return `cannot mount a tmpfs here: ${String(err?.stderr ?? err?.message).trim()}`
  }
  return {
    path,
    unmount: async () => { await run('umount', ['-l', path], { timeout: MOUNT_TIMEOUT_MS }).catch(() => {}) }
  }
}

/** Probes once whether tmpfs mounts work here: the skip reason, or false. */
export async function tmpfsUnavailable (probeDir: string): Promise<string | false> {
  const probe = await mountTmpfs(probeDir, 64 * 1024)
  if (typeof probe === 'string') return probe
  await probe.unmount()
  return false
}
