/**
 * Shoal: a peer-to-peer file-sharing network.
 *
 * @example
 * ```ts
 * import { createNode } from 'shoal'
 * const alice = await createNode({ dataDir: './alice' })
 * const { link } = await alice.share('./dataset')
 * const bob = await createNode({ dataDir: './bob' })
 * const result = await bob.get(link, { output: './downloads' })
 * console.log(result.path, result.bytes, result.peers)
 * await Promise.all([alice.stop(), bob.stop()])
 * ```
 */
export { createNode, ShoalNode, DEFAULT_STALL_TIMEOUT_MS } from './node/node.js'
export type { NodeOptions, ShareOptions, ShareResult, GetOptions, DownloadProgress, DownloadResult, NodeEvents } from './node/node.js'
export type { DownloadControl, PieceEvent, ContentSummary, ConnectionSummary } from './node/node.js'
export { ShoalError, ErrorCode, isShoalError } from './errors.js'
export { parseLink, formatLink } from './content/link.js'
