/// <reference lib="dom" />
import { ErrorCode, ShoalError } from '../errors.js'
import { STORAGE_MAX_PENDING, STORAGE_OP_TIMEOUT_MS } from './constants.js'
import type { StorageReply, StorageRequest } from './storage-messages.js'

type Request = StorageRequest extends infer R ? R extends StorageRequest ? Omit<R, 'id'> : never : never

/**
 * The page's side of the storage worker: one promise per request, each bounded in time, at most
 * STORAGE_MAX_PENDING outstanding (more wait their turn).
 */
export class StorageWorker {
  private readonly worker: Worker
  private readonly pending = new Map<number, { resolve: (reply: StorageReply) => void, reject: (err: Error) => void }>()
  private readonly waiting: Array<() => void> = []
  private nextId = 1

  constructor (scriptUrl: URL) {
    this.worker = new Worker(scriptUrl, { type: 'module' })
    this.worker.onmessage = (event: MessageEvent<StorageReply>) => {
      const reply = event.data
      const entry = this.pending.get(reply.id)
      this.pending.delete(reply.id)
      this.waiting.shift()?.()
      if (entry === undefined) return
      if (reply.error === undefined) entry.resolve(reply)
      else entry.reject(reply.quota === true ? new ShoalError(ErrorCode.DiskFull, 'the browser\'s storage for this page is full') : new ShoalError(ErrorCode.NoWriteAccess, `browser storage: ${reply.error}`))
    }
  }

  async ask (request: Request, transfer: ArrayBuffer[] = []): Promise<StorageReply> {
    while (this.pending.size >= STORAGE_MAX_PENDING) await new Promise<void>(resolve => this.waiting.push(resolve))
    const id = this.nextId++
    return await new Promise<StorageReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new ShoalError(ErrorCode.Timeout, `browser storage did not answer within ${STORAGE_OP_TIMEOUT_MS / 1000} s`))
      }, STORAGE_OP_TIMEOUT_MS)
      this.pending.set(id, {
        resolve: reply => { clearTimeout(timer); resolve(reply) },
        reject: err => { clearTimeout(timer); reject(err) }
      })
      this.worker.postMessage({ ...request, id }, transfer)
    })
  }

  terminate (): void {
    this.worker.terminate()
  }
}
