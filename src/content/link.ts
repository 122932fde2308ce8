/**
 * Shoal links: `shoal://<cid>?peer=<multiaddr>&peer=...`. The CID names the content; the peers
 * are hints for where to start (the network can find others). A bare CID is a link with no peers.
 */
import { multiaddr, CODE_P2P, type Multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { CID } from 'multiformats/cid'
import { base32 } from 'multiformats/bases/base32'
import { ShoalError, ErrorCode } from '../errors.js'
import { JSON_CODEC, SHA256_CODE } from './manifest.js'
import { decodeContentKey, encodeContentKey, KEY_PARAM } from './secret.js'

export interface ShoalLink {
  cid: CID
  /** Multiaddrs ending in /p2p/<peerId>. */
  peers: Multiaddr[]
  /** A secret content's key (content/secret.ts), from the fragment `#k=…`. */
  key?: Uint8Array
}

export const LINK_SCHEME = 'shoal:'
export const MAX_LINK_PEERS = 32
/** Longest text parseLink looks at: 32 long, URL-encoded addresses fit easily. */
export const MAX_LINK_CHARS = 32 * 1024
const PEER_PARAM = 'peer'
const SHA256_BYTES = 32
const MAX_QUOTED_CHARS = 80

export function formatLink (link: ShoalLink): string {
  if (link.peers.length > MAX_LINK_PEERS) {
    throw new ShoalError(ErrorCode.BadArgument, `a link can carry at most ${MAX_LINK_PEERS} peers, got ${link.peers.length}`)
  }
  for (const peer of link.peers) {
    if (!endsWithPeerId(peer)) throw new ShoalError(ErrorCode.BadArgument, `peer address must end in /p2p/<peer id>: ${peer.toString()}`)
  }
  const base = `${LINK_SCHEME}//${link.cid.toV1().toString(base32)}`
  const fragment = link.key !== undefined ? `#${KEY_PARAM}=${encodeContentKey(link.key)}` : ''
  if (link.peers.length === 0) return base + fragment
  const query = new URLSearchParams(link.peers.map((peer): [string, string] => [PEER_PARAM, peer.toString()]))
  return `${base}?${query.toString()}${fragment}`
}

/**
 * Reads a Shoal link (peer addresses URL-encoded or not) or a bare content ID.
 * Surrounding whitespace and unknown parameters are ignored; duplicate peers are dropped.
 */
export function parseLink (text: string): ShoalLink {
  if (typeof text !== 'string') throw notALink(String(text))
  const trimmed = text.trim()
  if (trimmed.length > MAX_LINK_CHARS) throw notALink(trimmed)
  if (trimmed.slice(0, LINK_SCHEME.length).toLowerCase() !== LINK_SCHEME) {
    return { cid: parseContentId(trimmed, text), peers: [] }
  }

  let rest = trimmed.slice(LINK_SCHEME.length)
  if (!rest.startsWith('//')) throw notALink(text)
  rest = rest.slice(2)
  const hash = rest.indexOf('#')
  const key = hash === -1 ? undefined : keyOf(rest.slice(hash + 1))
  if (hash !== -1) rest = rest.slice(0, hash)
  const question = rest.indexOf('?')
  let cidText = question === -1 ? rest : rest.slice(0, question)
  if (cidText.endsWith('/')) cidText = cidText.slice(0, -1)
  const cid = parseContentId(cidText, text)

  const peers: Multiaddr[] = []
  const seen = new Set<string>()
  // URLSearchParams decodes %2F and friends and leaves raw '/' alone, so both forms work.
  const params = new URLSearchParams(question === -1 ? '' : rest.slice(question + 1))
  for (const value of params.getAll(PEER_PARAM)) {
    const peer = parsePeer(value)
    const key = peer.toString()
    if (seen.has(key)) continue
    seen.add(key)
    peers.push(peer)
    if (peers.length > MAX_LINK_PEERS) {
      throw new ShoalError(ErrorCode.BadLink, `Shoal link lists more than ${MAX_LINK_PEERS} peers`)
    }
  }
  return key !== undefined ? { cid, peers, key } : { cid, peers }
}

/** The content key in a link's fragment (`k=<base32>`), if it has one. */
function keyOf (fragment: string): Uint8Array | undefined {
  const value = new URLSearchParams(fragment).get(KEY_PARAM)
  return value === null ? undefined : decodeContentKey(value)
}

/** Only the CIDs Shoal makes: v1, json codec, sha2-256. */
function parseContentId (text: string, original: string): CID {
  // Base32 is case-insensitive; CID.parse only knows the lowercase 'b' form.
  const normalized = text.startsWith('B') ? text.toLowerCase() : text
  let cid: CID
  try {
    cid = CID.parse(normalized)
  } catch {
    throw notALink(original)
  }
  const { version, code, multihash } = cid
  if (version !== 1 || code !== JSON_CODEC || multihash.code !== SHA256_CODE || multihash.size !== SHA256_BYTES) {
    throw notALink(original)
  }
  return cid
}

function parsePeer (text: string): Multiaddr {
  let peer: Multiaddr
  try {
    peer = multiaddr(text)
    void peer.bytes // string multiaddrs are checked lazily; encoding forces the check
  } catch {
    throw new ShoalError(ErrorCode.BadLink, `bad peer address in Shoal link: ${quote(text)}`)
  }
  if (!endsWithPeerId(peer)) {
    throw new ShoalError(ErrorCode.BadLink, `peer address in Shoal link must end in /p2p/<peer id>: ${quote(text)}`)
  }
  return peer
}

function endsWithPeerId (peer: Multiaddr): boolean {
  const last = peer.getComponents().at(-1)
  if (last?.code !== CODE_P2P || last.value === undefined) return false
  try {
    peerIdFromString(last.value)
    return true
  } catch {
    return false
  }
}

function notALink (text: string): ShoalError {
  return new ShoalError(ErrorCode.BadLink, `not a Shoal link or content ID: ${quote(text)}`)
}

/** Bounded, one-line rendering of untrusted text for an error message. */
function quote (text: string): string {
  const clipped = JSON.stringify(text.slice(0, MAX_QUOTED_CHARS)) // escapes newlines and control characters
  return text.length > MAX_QUOTED_CHARS ? `${clipped}…` : clipped
}
