#!/usr/bin/env node
// Shoal needs Node 22 or later. The package depends on the `node` package from the npm registry,
// so when this script is started by an older Node (say, the system's), it re-runs itself with
// that Node instead of failing deep inside libp2p.
import { existsSync } from 'node:fs'
import module from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const MIN_MAJOR = 22
const major = Number(process.versions.node.split('.')[0])
const root = join(dirname(fileURLToPath(import.meta.url)), '..')

if (major < MIN_MAJOR) {
  const candidates = [join(root, 'node_modules', 'node', 'bin', 'node'), join(root, 'node_modules', '.bin', 'node')]
  const bundled = candidates.find(p => existsSync(p))
  if (bundled === undefined) {
    process.stderr.write(`shoal: needs Node ${MIN_MAJOR} or later (this is ${process.version}); run 'npm install' in ${root}\n`)
    process.exit(1)
  }
  const { spawn } = await import('node:child_process')
  const child = spawn(bundled, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' })
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal))
  child.on('exit', (code, signal) => process.exit(code ?? (signal !== null ? 128 + 2 : 1)))
} else {
  // The bundled CLI (scripts/bundle.js) starts faster; the plain build works too.
  const bundle = join(root, 'dist', 'src', 'cli', 'shoal.bundle.cjs')
  const plain = join(root, 'dist', 'src', 'cli', 'main.js')
  const bundled = existsSync(bundle)
  if (!bundled && !existsSync(plain)) {
    process.stderr.write(`shoal: not built yet; run 'npm install' (or 'npm run build') in ${root}\n`)
    process.exit(1)
  }
  // libp2p makes a debug logger for every connection, stream and dial, and the 'debug' package
  // asks isatty(stderr) for each one unless DEBUG_COLORS says: asked once here instead (measured:
  // ~40 ms of a busy daemon's 1.5 s, docs/benchmarks.md round 7). Read when the bundle loads, then
  // taken back, so processes this one starts decide for themselves.
  const setColors = process.env.DEBUG_COLORS === undefined
  if (setColors) process.env.DEBUG_COLORS = process.stderr.isTTY === true ? 'true' : 'false'
  let run
  if (bundled) {
    // V8's compiled code of the command, kept between runs (bin/code-cache.js).
    const { loadCached } = await import('./code-cache.js')
    run = loadCached(bundle, process.argv[2] ?? '').main
  } else {
    // Node's compile cache (in the OS's temp folder) for the plain build. Node 22.1+.
    try { module.enableCompileCache?.() } catch {}
    run = (await import(plain)).main
  }
  if (setColors) delete process.env.DEBUG_COLORS
  await run(process.argv.slice(2))
}
