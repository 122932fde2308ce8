/** The web page (src/browser/): limits and names. */

/** `get` in the page gives up when nothing arrives for this long. */
export const PAGE_STALL_TIMEOUT_MS = 60_000
/** Dialling one of the link's addresses gives up after this long. */
export const PAGE_DIAL_TIMEOUT_MS = 15_000
/** The page's libp2p keeps at most this many connections (a tab has little to spare). */
export const PAGE_MAX_CONNECTIONS = 50
/** How often the page redraws progress, rate and the piece map. */
export const PAGE_REDRAW_MS = 250
/** A storage operation in the worker must answer within this long. */
export const STORAGE_OP_TIMEOUT_MS = 30_000
/** Storage operations waiting for the worker at once; a write beyond this waits its turn. */
export const STORAGE_MAX_PENDING = 256
/** Folder of the origin's private file system holding downloads, one subfolder per content ID. */
export const OPFS_ROOT = 'shoal'
/** File (in a download's folder) holding the verified-piece map, for a resume after a reload. */
export const BITFIELD_FILE = 'bitfield'
/** IndexedDB database holding pieces where the page has no private file system. */
export const IDB_NAME = 'shoal'
/** Bundle file names, as scripts/bundle.js writes them next to the page. */
export const WORKER_SCRIPT = 'opfs-worker.js'
/** Segments of a secret file read from storage at once when it is opened (64 KiB each). */
export const SECRET_READ_SEGMENTS = 64
/** Saving into a download: bytes gathered into one Blob part, so the page holds at most this much. */
export const SAVE_BLOB_PART_BYTES = 8 * 1024 * 1024
