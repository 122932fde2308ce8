import { multiaddr } from '@multiformats/multiaddr'
import { formatLink, parseLink } from '../content/link.js'
import { isWebSocketsAddr } from '../net/websockets.js'
import { MAX_LINK_ADDRS } from '../node/node.js'

/**
 * The web link of a shared content: the page's URL with the Shoal link as its fragment, the link
 * carrying the node's WebSockets addresses (the only ones a page can dial). Undefined when the node
 * has none. A secret link keeps its key (`#k=…`): the page opens the content with it, and like
 * the rest of the fragment it never reaches the page's server.
 */
export function webLinkOf (link: string, addrs: string[], pageUrl: string): string | undefined {
  const parsed = parseLink(link)
  const peers = addrs.filter(isWebSocketsAddr).slice(0, MAX_LINK_ADDRS).map(a => multiaddr(a))
  if (peers.length === 0) return undefined
  return `${pageUrl}#${formatLink({ cid: parsed.cid, peers, ...(parsed.key !== undefined ? { key: parsed.key } : {}) })}`
}
