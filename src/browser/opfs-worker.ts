/**
 * The page's storage worker: positional reads and writes in the origin's private file system
 * (OPFS) through synchronous access handles, which exist only in a dedicated worker. The page
 * (opfs-store.ts) sends one request per piece, the bytes transferred, never copied.
 * Requests: open (a download's folder and its files at their sizes), write, read, flush, close
 * (releases the files, e.g. for the Save button to read them), put/get (small files: the piece
 * map), remove (the whole folder).
 */
import type { StorageReply, StorageRequest } from './storage-messages.js'

interface SyncHandle {
  read: (into: Uint8Array, options: { at: number }) => number
  write: (data: Uint8Array, options: { at: number }) => number
  truncate: (size: number) => void
  getSize: () => number
  flush: () => void
  close: () => void
}
interface FileHandle { createSyncAccessHandle: () => Promise<SyncHandle> }
interface DirHandle {
  getDirectoryHandle: (name: string, options?: { create?: boolean }) => Promise<DirHandle>
  getFileHandle: (name: string, options?: { create?: boolean }) => Promise<FileHandle>
  removeEntry: (name: string, options?: { recursive?: boolean }) => Promise<void>
}
interface WorkerScope {
  onmessage: ((event: { data: StorageRequest }) => void) | null
  postMessage: (message: StorageReply, transfer?: ArrayBuffer[]) => void
  navigator: { storage: { getDirectory: () => Promise<DirHandle> } }
}

/** A file locked by another context is asked for again this often, this many times at most. */
const LOCK_RETRY_MS = 100
const LOCK_ATTEMPTS = 50

const scope = globalThis as unknown as WorkerScope
let folder: DirHandle | undefined
let sizes: number[] = []
const handles = new Map<string, SyncHandle>()

async function root (): Promise<DirHandle> {
  const top = await scope.navigator.storage.getDirectory()
  return await top.getDirectoryHandle('shoal', { create: true })
}

/** A file's sync handle, opened on first use (and again after a close). */
async function handleOf (name: string): Promise<SyncHandle> {
  const open = handles.get(name)
  if (open !== undefined) return open
  if (folder === undefined) throw new Error('storage used before open')
  const file = await folder.getFileHandle(name, { create: true })
  // After a reload the previous page's worker may still hold the file's lock for a moment.
  for (let attempt = 1; ; attempt++) {
    try {
      const handle = await file.createSyncAccessHandle()
      handles.set(name, handle)
      return handle
    } catch (err: any) {
      if (err?.name !== 'NoModificationAllowedError' || attempt >= LOCK_ATTEMPTS) throw err
      await new Promise(resolve => setTimeout(resolve, LOCK_RETRY_MS))
    }
  }
}

function closeAll (): void {
  for (const handle of handles.values()) {
    try { handle.flush() } catch {}
    try { handle.close() } catch {}
  }
  handles.clear()
}

async function run (request: StorageRequest): Promise<{ data?: ArrayBuffer, size?: number }> {
  switch (request.op) {
    case 'open': {
      closeAll()
      folder = await (await root()).getDirectoryHandle(request.folder, { create: true })
      sizes = request.sizes
      for (const [file, size] of sizes.entries()) {
        const handle = await handleOf(`f${file}`)
        if (handle.getSize() !== size) handle.truncate(size) // keeps the bytes already there
      }
      return {}
    }
    case 'write': {
      const handle = await handleOf(`f${request.file}`)
      const data = new Uint8Array(request.data)
      for (let done = 0; done < data.byteLength;) done += handle.write(data.subarray(done), { at: request.offset + done })
      return {}
    }
    case 'read': {
      const handle = await handleOf(`f${request.file}`)
      const into = new Uint8Array(request.length)
      const read = handle.read(into, { at: request.offset })
      if (read !== request.length) throw new Error(`short read: ${read} of ${request.length} bytes`)
      return { data: into.buffer }
    }
    case 'flush':
      for (const handle of handles.values()) handle.flush()
      return {}
    case 'close':
      closeAll()
      return {}
    case 'put': {
      const handle = await handleOf(request.name)
      handle.truncate(0)
      handle.write(new Uint8Array(request.data), { at: 0 })
      handle.flush()
      return {}
    }
    case 'get': {
      const handle = await handleOf(request.name)
      const into = new Uint8Array(handle.getSize())
      handle.read(into, { at: 0 })
      return { data: into.buffer }
    }
    case 'remove':
      closeAll()
      folder = undefined
      await (await root()).removeEntry(request.folder, { recursive: true }).catch(() => {})
      return {}
  }
}

// One request at a time, in order: a sync handle must not be used by two at once.
let queue = Promise.resolve()
scope.onmessage = event => {
  const request = event.data
  queue = queue.then(async () => {
    try {
      const { data, size } = await run(request)
      scope.postMessage({ id: request.id, data, size }, data !== undefined ? [data] : [])
    } catch (err: any) {
      scope.postMessage({ id: request.id, error: String(err?.message ?? err), quota: err?.name === 'QuotaExceededError' })
    }
  })
}
