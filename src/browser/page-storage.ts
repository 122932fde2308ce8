import type { DownloadStorage } from '../swarm/requester/download-storage.js'

/**
 * A page's download storage: the origin's private file system where the page is a secure context
 * (opfs-storage.ts), IndexedDB elsewhere (idb-storage.ts). Beside what a download needs, what the
 * page's buttons need: the finished file for Save, and Delete.
 */
export interface PageStorage extends DownloadStorage {
  /** File `index` of the content as the browser can hand it to the user. */
  fileOf: (index: number) => Promise<Blob>
  /** Deletes everything stored for this content. */
  remove: () => Promise<void>
}

/** Whether this page has a private file system (only secure contexts do). */
export function hasPrivateFileSystem (): boolean {
  return typeof (globalThis as { navigator?: { storage?: { getDirectory?: unknown } } }).navigator?.storage?.getDirectory === 'function'
}
