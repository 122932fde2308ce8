/**
 * Installs a missing program from Debian's packages for a test that needs it (Chromium for the
 * dashboard, iptables for netlab), when we are root on a Debian-like machine; otherwise says why
 * not, for the test to skip with.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

/** apt-get update, and apt-get install, may each take this long on a clean CI machine. */
export const INSTALL_TIMEOUT_MS = 10 * 60 * 1000

/** Undefined once `path` exists (installing `pkg` if needed and allowed); else the reason it does not. */
export function ensureDebianPackage (path: string, pkg: string): string | undefined {
  if (existsSync(path)) return undefined
  if (process.platform !== 'linux') return `no ${path} (install ${pkg})`
  if (process.getuid?.() !== 0) return `no ${path}, and not root to install it: run 'sudo apt-get install -y ${pkg}'`
  if (spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status !== 0) return `no ${path} and no apt-get to install ${pkg}`
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  const install = (): number | null => spawnSync('apt-get', ['install', '-y', pkg], { stdio: 'ignore', env, timeout: INSTALL_TIMEOUT_MS }).status
  // A clean machine often has no package lists yet: update and try again.
  if (install() !== 0) {
    spawnSync('apt-get', ['update'], { stdio: 'ignore', env, timeout: INSTALL_TIMEOUT_MS })
    install()
  }
  return existsSync(path) ? undefined : `installing ${pkg} with apt-get failed; ${path} is still missing`
}
