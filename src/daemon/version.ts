import { readFileSync } from 'node:fs'

/** Shoal's version from package.json (dist/src/daemon/version.js → ../../../package.json). */
export function packageVersion (): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown }
    return String(pkg.version ?? 'unknown')
  } catch {
    return 'unknown'
  }
}
