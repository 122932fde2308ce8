// Bundles the CLI (dist/src/cli/main.js and everything it imports) into one CommonJS file,
// dist/src/cli/shoal.bundle.cjs, which bin/shoal.js loads. Loading ~600 modules one by one costs a
// command about 0.6 s of CPU and 30 MiB of memory before it does anything; one file about a third
// of that (docs/benchmarks.md). The library (dist/src/index.js) is not bundled.
// CommonJS, in one file, because bin/code-cache.js runs it as a vm.Script with a V8 code cache
// made after a run of the same command: that cache holds every function the command compiled,
// where Node's compile cache holds only what was compiled before the module ran (a cold 1 KiB
// `get` 20 % faster, docs/benchmarks.md round 8).
// Files the code needs at run time (package.json, src/web) are found by walking up from the module
// (src/package.ts), so they are found from the bundle as from dist/src.
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { build } from 'esbuild'

// Earlier builds: an ESM bundle with its chunks.
rmSync('dist/src/cli/chunks', { recursive: true, force: true })
rmSync('dist/src/cli/shoal.bundle.js', { force: true })

// @achingbrain/ssdp (under @libp2p/upnp-nat) is ESM only and reads its own package.json at load
// time through import.meta.url: its name and version are written in at build time instead.
const ssdpPackage = {
  name: 'shoal-ssdp-package',
  setup (b) {
    b.onLoad({ filter: /@achingbrain[\\/]ssdp[\\/]dist[\\/]src[\\/]ssdp\.js$/ }, args => {
      const { name, version } = JSON.parse(readFileSync(join(dirname(args.path), '..', '..', 'package.json'), 'utf8'))
      const source = readFileSync(args.path, 'utf8')
      const read = "req('../../package.json')"
      if (!source.includes(read)) throw new Error(`${args.path} no longer reads its package.json as expected: check the bundle`)
      return { contents: source.replace(read, JSON.stringify({ name, version })), loader: 'js' }
    })
  }
}

// libp2p's peer store sorts each peer's protocols, metadata keys and addresses with localeCompare
// (and compares signed records' addresses the same way). The first localeCompare of a process
// loads ICU's collation data: 8-11 ms, paid on the way to every command's first connection. Any
// one total order does for these (a stored record's order, an equality test), so in the bundle
// they compare by code point instead (docs/benchmarks.md, round 9).
const codepointSort = {
  name: 'shoal-codepoint-sort',
  setup (b) {
    b.onLoad({ filter: /@libp2p[\\/](peer-store[\\/]dist[\\/]src[\\/]utils[\\/](to-peer-pb|dedupe-addresses)|peer-record[\\/]dist[\\/]src[\\/]peer-record[\\/]utils)\.js$/ }, args => {
      const source = readFileSync(args.path, 'utf8')
      const calls = source.split('.localeCompare(').length - 1
      let replaced = 0
      const contents = source.replace(/([\w.]+(?:\(\))?)\.localeCompare\(([\w.]*(?:\(\))?)\)/g, (_, a, b) => { replaced++; return `__shoalCodepointCompare(${a}, ${b})` })
      if (calls === 0 || replaced !== calls) throw new Error(`${args.path}: its localeCompare calls changed; check the bundle`)
      return { contents: 'const __shoalCodepointCompare = (a, b) => a < b ? -1 : a > b ? 1 : 0;\n' + contents, loader: 'js' }
    })
  }
}

await build({
  entryPoints: { 'shoal.bundle': 'dist/src/cli/main.js' },
  outdir: 'dist/src/cli',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  // CommonJS: built-ins are plain require()s, whose getters stay lazy (node:http does not load
  // undici in a command that never speaks HTTP; Node's ESM wrapper read every export: round 6).
  format: 'cjs',
  target: 'node22',
  // A vm.Script cannot import() without an experimental flag: every dynamic import (Node's own
  // modules, the daemon, UPnP) becomes a require() inside a promise.
  supported: { 'dynamic-import': false },
  define: { 'import.meta.url': '__shoalModuleUrl' },
  banner: { js: "const __shoalModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [ssdpPackage, codepointSort],
  legalComments: 'none',
  logLevel: 'warning'
})

// A single character outside ASCII (esbuild keeps some comments) makes V8 hold the whole 4 MB
// source as a two-byte string: reading it took 17-27 ms instead of 4-5 at every start. esbuild
// already escapes what is outside ASCII in code; what is left (comments) is escaped the same way.
const cli = 'dist/src/cli/shoal.bundle.cjs'
writeFileSync(cli, readFileSync(cli, 'utf8').replace(/[^\x00-\x7f]/g, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))

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

// The web page (src/browser/): what a browser runs to download from Shoal peers, as static files
// in dist/web/get (served by the daemon at /get, by `shoal web`, or by any static host). Node's
// SHA-256 module is swapped for its pure-JavaScript twin; nothing else of Node may be imported.
const browserSha256 = {
  name: 'shoal-browser-sha256',
  setup (b) {
    b.onResolve({ filter: /\/sha256\.js$/ }, args => args.importer.includes('/content/')
      ? { path: join(dirname(args.importer), 'sha256.browser.js') }
      : undefined)
  }
}
rmSync('dist/web/get', { recursive: true, force: true })
await build({
  entryPoints: { 'shoal-page': 'dist/src/browser/page.js', 'opfs-worker': 'dist/src/browser/opfs-worker.js' },
  outdir: 'dist/web/get',
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2022',
  minify: true,
  plugins: [browserSha256],
  legalComments: 'none',
  logLevel: 'warning'
})
copyFileSync('src/browser/index.html', 'dist/web/get/index.html')
