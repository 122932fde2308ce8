/**
 * The sandboxed runner: started by sandbox/run-job.ts as its own process under Node's permission
 * model (it can read only its own file, and has no network, child processes or workers). It gets
 * the checked module and the inputs over IPC, runs the module with WASI preview 1 over an
 * in-memory file system (@bjorn3/browser_wasi_shim), a fixed clock and randomness seeded by the
 * job ID, and sends back the /out tree. Bundled into one file by scripts/bundle.js.
 */
import { createHash } from 'node:crypto'
import { ConsoleStdout, Directory, File, OpenDirectory, OpenFile, PreopenDirectory, WASI, type Inode } from '@bjorn3/browser_wasi_shim'

/** The lib settings have no WebAssembly types (no DOM lib); Node has the global. */
const WebAssembly = (globalThis as any).WebAssembly

export interface RunRequest {
  module: Uint8Array
  seed: string
  args: string[]
  env: Record<string, string>
  /** Per input, its files: relative path → bytes. */
  inputs: Array<Array<[string, Uint8Array]>>
  outputBytes: number
  memoryPages: number
  fixedEpochNs: bigint
  clockStepNs: bigint
  stderrTail: number
}

export type RunReply =
  | { ok: true, exitCode: number, files: Array<[string, Uint8Array]>, stderr: string }
  | { ok: false, kind: 'trap' | 'memory' | 'output', message: string, stderr: string }

const ERRNO_ROFS = 69
const ERRNO_FBIG = 22
/** O_CREAT | O_EXCL | O_TRUNC of path_open's oflags. */
const OFLAGS_WRITING = 0x1 | 0x4 | 0x8

function tree (files: Array<[string, Uint8Array]>, readonly: boolean, dirs: Set<Directory>): Map<string, Inode> {
  const root = new Map<string, Inode>()
  for (const [path, data] of files) {
    const parts = path.split('/')
    let level = root
    for (const part of parts.slice(0, -1)) {
      let dir = level.get(part)
      if (!(dir instanceof Directory)) {
        dir = new Directory(new Map())
        dirs.add(dir as Directory)
        level.set(part, dir)
      }
      level = (dir as unknown as Directory).contents
    }
    level.set(parts[parts.length - 1] as string, new File(data, { readonly }))
  }
  return root
}

function collect (dir: Directory, prefix: string, out: Array<[string, Uint8Array]>): void {
  for (const [name, entry] of [...dir.contents.entries()].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)) {
    if (entry instanceof File) out.push([prefix + name, entry.data])
    else if (entry instanceof Directory) collect(entry, `${prefix}${name}/`, out)
  }
}

function run (req: RunRequest): RunReply {
  const readonlyDirs = new Set<Directory>()
  const inputs = new Map<string, Inode>()
  req.inputs.forEach((files, i) => {
    const dir = new Directory(tree(files, true, readonlyDirs))
    readonlyDirs.add(dir)
    inputs.set(String(i), dir)
  })
  const inDir = new PreopenDirectory('/in', inputs)
  readonlyDirs.add(inDir.dir)
  const outDir = new PreopenDirectory('/out', new Map())
  let stderr = ''
  const keepTail = (text: string): void => { stderr = (stderr + text).slice(-req.stderrTail) }
  const decoder = new TextDecoder()
  const fds = [
    new OpenFile(new File(new Uint8Array(), { readonly: true })),
    new ConsoleStdout(() => {}),
    new ConsoleStdout(data => keepTail(decoder.decode(data))),
    inDir,
    outDir
  ]
  const wasi = new WASI(req.args, Object.entries(req.env).map(([k, v]) => `${k}=${v}`), fds)
  const imports = wasi.wasiImport as Record<string, (...a: any[]) => number>
  const memory = (): ArrayBuffer => (instance.exports.memory as { buffer: ArrayBuffer }).buffer
  // Fixed clocks: the wall clock stands at the fixed epoch, the monotonic one steps per reading.
  let monotonic = 0n
  imports.clock_time_get = (id: number, _precision: bigint, ptr: number) => {
    const view = new DataView(memory())
    if (id === 0) view.setBigUint64(ptr, req.fixedEpochNs, true)
    else { monotonic += req.clockStepNs; view.setBigUint64(ptr, monotonic, true) }
    return 0
  }
  imports.poll_oneoff = () => 58 // ENOTSUP: no waiting on real time
  // Seeded randomness: SHA-256 in counter mode over the job ID.
  let counter = 0
  let pool = new Uint8Array()
  imports.random_get = (ptr: number, len: number) => {
    const target = new Uint8Array(memory(), ptr, len)
    let filled = 0
    while (filled < len) {
      if (pool.byteLength === 0) pool = createHash('sha256').update(`${req.seed}:${counter++}`).digest()
      const n = Math.min(pool.byteLength, len - filled)
      target.set(pool.subarray(0, n), filled)
      pool = pool.subarray(n)
      filled += n
    }
    return 0
  }
  // Inputs are read-only, directories included.
  const fdDir = (fd: number): Directory | undefined => {
    const obj = (wasi.fds as unknown[])[fd]
    return obj instanceof OpenDirectory ? obj.dir : undefined
  }
  const readOnlyAt = (fd: number): boolean => { const d = fdDir(fd); return d !== undefined && readonlyDirs.has(d) }
  for (const name of ['path_create_directory', 'path_unlink_file', 'path_remove_directory', 'path_filestat_set_times', 'path_symlink', 'path_rename', 'path_link']) {
    const original = imports[name] as (...a: any[]) => number
    const fdArg = name === 'path_symlink' ? 2 : 0
    imports[name] = (...a: any[]) => readOnlyAt(a[fdArg]) || (name === 'path_rename' && readOnlyAt(a[3])) || (name === 'path_link' && readOnlyAt(a[4])) ? ERRNO_ROFS : original(...a)
  }
  // path_open(fd, dirflags, path, path_len, oflags, …): no creating, truncating or exclusive opens under /in.
  const pathOpen = imports.path_open as (...a: any[]) => number
  imports.path_open = (...a: any[]) => readOnlyAt(a[0]) && (a[4] & OFLAGS_WRITING) !== 0 ? ERRNO_ROFS : pathOpen(...a)
  // Output size cap: checked after each write by the size of the /out tree.
  const outSize = (): number => { const files: Array<[string, Uint8Array]> = []; collect(outDir.dir, '', files); return files.reduce((s, [, d]) => s + d.byteLength, 0) }
  let overOutput = false
  for (const name of ['fd_write', 'fd_pwrite', 'fd_allocate', 'fd_filestat_set_size']) {
    const original = imports[name] as (...a: any[]) => number
    imports[name] = (...a: any[]) => {
      const ret = original(...a)
      if (a[0] > 2 && outSize() > req.outputBytes) { overOutput = true; return ERRNO_FBIG }
      return ret
    }
  }
  const module = new WebAssembly.Module(req.module)
  const instance = new WebAssembly.Instance(module, { wasi_snapshot_preview1: imports })
  let exitCode: number
  try {
    exitCode = wasi.start(instance as any)
  } catch (err) {
    const pages = (instance.exports.memory as { buffer: ArrayBuffer }).buffer.byteLength / 65536
    const message = err instanceof Error ? err.message : String(err)
    // The module's allocator failed at the cap (memory.grow returned -1) and it trapped.
    if (pages >= req.memoryPages - 16 || /memory/i.test(message)) return { ok: false, kind: 'memory', message, stderr }
    return { ok: false, kind: 'trap', message, stderr }
  }
  if (overOutput) return { ok: false, kind: 'output', message: `output over ${req.outputBytes} bytes`, stderr }
  const files: Array<[string, Uint8Array]> = []
  collect(outDir.dir, '', files)
  return { ok: true, exitCode, files, stderr }
}

process.once('message', (req: RunRequest) => {
  let reply: RunReply
  try {
    reply = run(req)
  } catch (err) {
    reply = { ok: false, kind: 'trap', message: err instanceof Error ? err.message : String(err), stderr: '' }
  }
  process.send?.(reply, () => process.disconnect())
})
