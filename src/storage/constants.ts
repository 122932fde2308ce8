/** Limits and defaults of storage sharing (`/shoal/store/1.0.0`, holders, replication). */
export const STORE_PROTOCOL = '/shoal/store/1.0.0'
/** Largest request or answer frame (JSON), before the 4-byte length. */
export const MAX_STORE_MESSAGE_BYTES = 16 * 1024
/** One request and its answer, from opening the stream. */
export const STORE_REQUEST_TIMEOUT_MS = 10_000
/** Incoming store streams at once, per node. */
export const MAX_INBOUND_STORE_STREAMS = 32
/** Origins one store request may list. */
export const MAX_ORIGINS = 16
export const MAX_ADDR_CHARS = 512
/** A signed request is refused if its clock is further than this from ours (replays are bounded by it too). */
export const MAX_CLOCK_SKEW_MS = 10 * 60_000
/** Domain tag of the owner's signatures, so they can never be taken for another message. */
export const STORE_SIGNATURE_DOMAIN = 'shoal-store-v1:'

export const DAY_MS = 24 * 60 * 60_000
export const DEFAULT_LEASE_MS = 30 * DAY_MS
export const MAX_LEASE_MS = 366 * DAY_MS
/** The owner renews when less than this part of the lease is left (30 days: renewed after ~1 day). */
export const RENEW_WHEN_LEFT = 29 / 30
/** No owner may hold more than this share of a volunteer's offer. */
export const DEFAULT_OWNER_SHARE = 0.25
/** Leases one volunteer keeps at most (its lease book is rewritten whole). */
export const MAX_LEASES = 10_000
/** Expired leases are collected this often. */
export const DEFAULT_GC_INTERVAL_MS = 10 * 60_000

export const DEFAULT_AUDIT_INTERVAL_MS = 6 * 60 * 60_000
export const DEFAULT_REPAIR_AFTER_MS = DAY_MS
/** Random pieces asked for in one audit of one holder. */
export const AUDIT_PIECES = 4
/** One audited piece must arrive within this long. */
export const AUDIT_PIECE_TIMEOUT_MS = 20_000
/** A piece the holder rejects (a seed holds pieces back for up to 3 s) is asked again after this long… */
export const AUDIT_REJECT_RETRY_MS = 1_000
/** …this many times at most in one audit. */
export const AUDIT_MAX_REJECTS = 8
/** How often replicate asks holders how far their copy is. */
export const STATUS_POLL_MS = 500
/** Volunteers asked for an offer at once. */
export const OFFER_QUERIES_IN_FLIGHT = 8
/** Volunteers considered for one replication. */
export const MAX_CANDIDATES = 64
/** The DHT key volunteers provide: the CID of this text's bytes (raw codec). */
export const OFFER_KEY_TEXT = 'shoal/storage-offer/v1'
/** Volunteers re-provide the offer key this often. */
export const OFFER_REPROVIDE_MS = 30 * 60_000
/** Replications an owner keeps track of at most. */
export const MAX_REPLICATIONS = 1_000
/** Folder of the data directory for held copies (`held/<cid>/`) and storage's own files. */
export const HELD_DIR = 'held'
export const STORAGE_DIR = 'storage'
