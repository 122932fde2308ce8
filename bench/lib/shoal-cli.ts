import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root, from dist/bench/lib/. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
/** The CLI the lab scenarios start; SHOAL_BENCH_BIN=<another tree>/bin/shoal.js runs an older build under this harness (before/after). */
export const SHOAL_BIN = process.env.SHOAL_BENCH_BIN ?? join(ROOT, 'bin', 'shoal.js')
export const HTTP_SERVE = join(ROOT, 'dist', 'bench', 'lib', 'http-serve.js')

/** Arguments every benchmark node gets: its own data dir, loopback (or a lab host) only, no mDNS. */
export function nodeArgs (dataDir: string, host = '127.0.0.1'): string[] {
  return ['--json', '--no-mdns', '--listen', `/ip4/${host}/tcp/0`, '--data-dir', dataDir]
}

export function linkOf (sharingLine: string): string {
  return String(JSON.parse(sharingLine).link)
}
