// Runs the CLI bundle (one CommonJS file, scripts/bundle.js) as a vm.Script with a V8 code cache
// kept per command in the OS's temp folder. The cache is made when the command ends, so it holds
// the bytecode of every function the command ran; Node's own compile cache is made before a
// module runs and holds only its top level, so a command compiled most of its functions again at
// every start (a cold 1 KiB `get`: 0.37 -> 0.29 s, docs/benchmarks.md round 8). A cache V8
// rejects (another Node, another bundle) is made again; NODE_DISABLE_COMPILE_CACHE turns it off.
// Writing a cache removes those of this install's earlier builds.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import Module, { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import vm from 'node:vm'

/** Loads the bundle at `file` and returns its exports; `command` names the cache it uses. */
export function loadCached (file, command) {
  const off = process.env.NODE_DISABLE_COMPILE_CACHE !== undefined
  const cachePath = off ? undefined : cacheFile(file, command)
  const cachedData = cachePath === undefined ? undefined : readOrUndefined(cachePath)
  const script = new vm.Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file, cachedData })
  if (cachePath !== undefined && (cachedData === undefined || script.cachedDataRejected === true)) {
    // Only a command that succeeded: an early error would leave a cache of little.
    process.once('exit', code => { if (code === 0) save(cachePath, script) })
  }
  const module = { exports: {} }
  script.runInThisContext().call(module.exports, module.exports, createRequire(file), module, file, dirname(file))
  return module.exports
}

const hash = text => createHash('sha256').update(text).digest('hex').slice(0, 16)

// `<install>-<build>-<command>.bin`: the install is the bundle's path, the build its size, mtime,
// inode and the Node that runs it.
function cacheFile (file, command) {
  const { size, mtimeMs, ino } = statSync(file)
  const build = hash(`${size}\0${mtimeMs}\0${ino}\0${process.version}\0${process.arch}`)
  return join(tmpdir(), 'shoal-code-cache', `${hash(file)}-${build}-${/^[a-z][a-z-]{0,30}$/.test(command) ? command : 'other'}.bin`)
}

function readOrUndefined (path) {
  try { return readFileSync(path) } catch { return undefined }
}

// Written aside and renamed, so processes starting together never read half a cache.
function save (path, script) {
  try {
    mkdirSync(dirname(path), { recursive: true })
    const aside = `${path}.${process.pid}`
    writeFileSync(aside, script.createCachedData())
    renameSync(aside, path)
    removeStale(path)
  } catch {}
}

// Caches of this install's earlier builds (3-4 MB a command) would pile up at every upgrade:
// once a cache of the new build is written, those go, and so do caches named as before, one key
// for install and build together. Other installs' caches are left alone.
function removeStale (path) {
  const dir = dirname(path)
  const [install, build] = path.slice(dir.length + 1).split('-')
  for (const name of readdirSync(dir)) {
    const named = /^([0-9a-f]{16})-([0-9a-f]{16})-/.exec(name)
    const stale = named !== null ? named[1] === install && named[2] !== build : /^[0-9a-f]{16}-[a-z-]+\.bin$/.test(name)
    if (stale) rmSync(join(dir, name), { force: true })
  }
}
