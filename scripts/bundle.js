// Bundles the CLI (dist/src/cli/main.js and everything it imports) into one file,
// dist/src/cli/shoal.bundle.js, which bin/shoal.js loads. Loading ~600 modules one by one costs a
// command about 0.6 s of CPU and 30 MiB of memory before it does anything; one file about a third
// of that (docs/benchmarks.md). The library (dist/src/index.js) is not bundled.
// The bundle sits in dist/src/cli/ on purpose: paths the code resolves from its own URL
// ('../../../package.json', '../../../src/web/') mean the same from there as from its modules.
import { build } from 'esbuild'

await build({
  entryPoints: ['dist/src/cli/main.js'],
  outfile: 'dist/src/cli/shoal.bundle.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  // Some dependencies are CommonJS and call require() for Node's own modules.
  banner: { js: "import { createRequire as __shoalRequire } from 'node:module'; const require = __shoalRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning'
})
