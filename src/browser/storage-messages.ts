/** What the page and its storage worker (opfs-worker.ts) say to each other. */
export type StorageRequest = { id: number } & (
  | { op: 'open', folder: string, sizes: number[] }
  | { op: 'write', file: number, offset: number, data: ArrayBuffer }
  | { op: 'read', file: number, offset: number, length: number }
  | { op: 'flush' }
  | { op: 'close' }
  | { op: 'put', name: string, data: ArrayBuffer }
  | { op: 'get', name: string }
  | { op: 'remove', folder: string }
)

export interface StorageReply {
  id: number
  data?: ArrayBuffer
  size?: number
  error?: string
  /** The origin's storage quota is used up. */
  quota?: boolean
}
