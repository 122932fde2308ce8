// Bundles the CLI (dist/src/cli/main.js and everything it imports) into one file,
// dist/src/cli/shoal.bundle.js, which bin/shoal.js loads. Loading ~600 modules one by one costs a
// command about 0.6 s of CPU and 30 MiB of memory before it does anything; one file about a third
// of that (docs/benchmarks.md). The library (dist/src/index.js) is not bundled.
// Files the code needs at run time (package.json, src/web) are found by walking up from the module
// (src/package.ts), so they are found from the bundle and its chunks alike.
import { rmSync } from 'node:fs'
import { build } from 'esbuild'

// Chunk names carry a content hash: clear the old ones.
rmSync('dist/src/cli/chunks', { recursive: true, force: true })

await build({
  entryPoints: { 'shoal.bundle': 'dist/src/cli/main.js' },
  outdir: 'dist/src/cli',
  // Code only some commands need (the daemon's API and dashboard) goes in chunks loaded on use.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  // Some dependencies are CommonJS and call require() for Node's own modules.
  banner: { js: "import { createRequire as __shoalRequire } from 'node:module'; const require = __shoalRequire(import.meta.url);" },
  // @achingbrain/ssdp (under @libp2p/upnp-nat) reads its own package.json at load time: keep it a package.
  external: ['@achingbrain/ssdp'],
  legalComments: 'none',
  logLevel: 'warning'
})


// The compute sandbox's runner (src/compute/sandbox/runner-child.ts) as one file: under Node's
// permission model its process may read that file and nothing else.
await build({
  entryPoints: { 'runner.bundle': 'dist/src/compute/sandbox/runner-child.js' },
  outdir: 'dist/src/compute/sandbox',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  legalComments: 'none',
  logLevel: 'warning'
})
