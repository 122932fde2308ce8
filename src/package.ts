import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The folder of Shoal's package.json, found by walking up from this module: the same answer
 * from dist/src/*.js, from the CLI bundle (dist/src/cli/) and from its chunks.
 */
export function packageRoot (): string {
  const start = dirname(fileURLToPath(import.meta.url))
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src', 'web'))) return dir
    if (dirname(dir) === dir) return join(start, '..', '..')
  }
}

/** Shoal's version from its package.json ('unknown' if it cannot be read). */
export function packageVersion (): string {
  try {
    const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: unknown }
    return String(pkg.version ?? 'unknown')
  } catch {
    return 'unknown'
  }
}
