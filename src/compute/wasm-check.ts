import { ShoalError } from '../errors.js'
import { JobError, MAX_MODULE_BYTES, WASI_MODULE, WASM_PAGE_BYTES } from './constants.js'

/** The lib settings have no WebAssembly types (no DOM lib); Node has the global. */
const WebAssembly = (globalThis as any).WebAssembly

/**
 * Checks a module before it runs: only WASI preview 1 function imports, one memory of its own,
 * not shared (no threads), not 64-bit, with a minimum within the job's cap. Returns the module with
 * the memory's maximum set to the cap, so `memory.grow` past it fails inside the module.
 */
export function checkAndCapModule (bytes: Uint8Array, memoryMiB: number): Uint8Array {
  if (bytes.byteLength > MAX_MODULE_BYTES) reject(`module is ${bytes.byteLength} bytes, limit ${MAX_MODULE_BYTES}`)
  if (!WebAssembly.validate(bytes)) reject('not a valid WebAssembly module')
  const module = new WebAssembly.Module(bytes)
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.module !== WASI_MODULE) reject(`imports ${imp.module}.${imp.name}: only ${WASI_MODULE} is allowed`)
    if (imp.kind !== 'function') reject(`imports a ${imp.kind} (${imp.name}): only functions are allowed`)
  }
  const capPages = Math.floor(memoryMiB * 1024 * 1024 / WASM_PAGE_BYTES)
  const out = Array.from(bytes.subarray(0, 8))
  let pos = 8
  let memories = 0
  while (pos < bytes.byteLength) {
    const id = bytes[pos] as number
    const [size, afterSize] = leb(bytes, pos + 1)
    const end = afterSize + size
    if (id === 5) {
      let p = afterSize
      const [count, afterCount] = leb(bytes, p)
      p = afterCount
      if (count > 1) reject('declares several memories')
      const section: number[] = [...uleb(count)]
      for (let i = 0; i < count; i++) {
        const flags = bytes[p++] as number
        if ((flags & 0x02) !== 0) reject('uses shared memory (threads)')
        if ((flags & 0x04) !== 0) reject('uses 64-bit memory')
        const [min, afterMin] = leb(bytes, p)
        p = afterMin
        let max: number | undefined
        if ((flags & 0x01) !== 0) [max, p] = leb(bytes, p)
        if (min > capPages) throw new ShoalError(JobError.Memory, `module needs ${min} pages of memory at start, limit ${capPages}`)
        section.push(0x01, ...uleb(min), ...uleb(Math.min(max ?? capPages, capPages)))
        memories++
      }
      out.push(5, ...uleb(section.length), ...section)
    } else {
      out.push(...bytes.subarray(pos, end))
    }
    pos = end
  }
  if (memories === 0) reject('has no memory of its own to export')
  return Uint8Array.from(out)
}

function reject (message: string): never {
  throw new ShoalError(JobError.Rejected, `module refused: ${message}`)
}

function leb (bytes: Uint8Array, start: number): [number, number] {
  let result = 0
  let shift = 0
  let p = start
  for (;;) {
    if (p >= bytes.byteLength || shift > 28) reject('malformed module')
    const b = bytes[p++] as number
    result += (b & 0x7f) * 2 ** shift
    shift += 7
    if ((b & 0x80) === 0) return [result, p]
  }
}

function uleb (value: number): number[] {
  const out: number[] = []
  do {
    let b = value & 0x7f
    value = Math.floor(value / 128)
    if (value !== 0) b |= 0x80
    out.push(b)
  } while (value !== 0)
  return out
}
