import type { Connection } from '@libp2p/interface'
import { CID } from 'multiformats/cid'
import { decodeSignedManifest } from '../content/envelope.js'
import { PieceLayout } from '../content/layout.js'
import { decodeManifest, type Manifest } from '../content/manifest.js'
import type { ContentRecord } from '../store/database.js'
import { Bitfield } from '../swarm/wire/bitfield.js'
import type { ContentRegistry } from '../swarm/common/registry.js'

/** One share or download as `ShoalNode.listContent()` reports it. */
export interface ContentSummary {
  cid: string
  role: 'share' | 'download'
  name: string
  kind: 'file' | 'dir'
  /** Where the content lives (shares, finished downloads) or will live once verified. */
  path: string
  bytes: number
  files: number
  pieces: number
  piecesDone: number
  complete: boolean
  /** Served to other peers right now (false when its files have gone). */
  serving: boolean
  addedAt: number
  link: string
}

/** One connected peer as `ShoalNode.connections()` reports it. */
export interface ConnectionSummary {
  peerId: string
  /** Remote addresses of the open connections to it. */
  addrs: string[]
  direction: 'inbound' | 'outbound'
  /** When the oldest open connection to it was opened (ms since epoch). */
  since: number
}

/** Joins the database's records with what the registry serves. A record that cannot be read is left out. */
export function summarizeContent (records: ContentRecord[], registry: ContentRegistry, linkFor: (cid: CID) => string): ContentSummary[] {
  const out: ContentSummary[] = []
  for (const record of records) {
    try {
      const live = registry.get(record.cid)
      const manifest: Manifest = live?.manifest ?? decodeManifest(decodeSignedManifest(record.signed).manifest)
      const layout = live?.layout ?? new PieceLayout(manifest)
      const piecesDone = live?.bitfield.count() ?? (record.complete
        ? layout.pieceCount
        : record.bitfield !== undefined ? Bitfield.fromBytes(layout.pieceCount, record.bitfield).count() : 0)
      out.push({
        cid: record.cid,
        role: record.role,
        name: manifest.name,
        kind: manifest.kind,
        path: record.path,
        bytes: layout.totalSize,
        files: manifest.files.length,
        pieces: layout.pieceCount,
        piecesDone,
        complete: record.complete,
        serving: live !== undefined,
        addedAt: record.addedAt,
        link: linkFor(CID.parse(record.cid))
      })
    } catch {
      // A damaged record is reported (and skipped) by restore; a listing simply leaves it out.
    }
  }
  return out
}

export function summarizeConnections (connections: Connection[]): ConnectionSummary[] {
  const byPeer = new Map<string, ConnectionSummary>()
  for (const connection of connections) {
    const peerId = connection.remotePeer.toString()
    const opened = connection.timeline.open
    const known = byPeer.get(peerId)
    if (known === undefined) {
      byPeer.set(peerId, { peerId, addrs: [connection.remoteAddr.toString()], direction: connection.direction, since: opened })
    } else {
      if (!known.addrs.includes(connection.remoteAddr.toString())) known.addrs.push(connection.remoteAddr.toString())
      if (opened < known.since) {
        known.since = opened
        known.direction = connection.direction
      }
    }
  }
  return [...byPeer.values()]
}
