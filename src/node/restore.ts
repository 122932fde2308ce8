import { stat } from 'node:fs/promises'
import { CID } from 'multiformats/cid'
import { decodeSignedManifest, verifySignedManifest } from '../content/envelope.js'
import { PieceLayout } from '../content/layout.js'
import type { ShoalDatabase } from '../store/database.js'
import { PieceFiles } from '../store/piece-files.js'
import { Bitfield } from '../swarm/wire/bitfield.js'
import { SwarmContent } from '../swarm/common/swarm-content.js'

/**
 * Rebuilds, after a restart, what the node served: every share and finished download whose files
 * are still there, and the verified pieces of unfinished downloads. Records are checked (manifest
 * hash and signature) rather than trusted; a record that fails is skipped with a warning. A finished
 * share's pieces are hashed as they are served until each file has been verified whole again
 * (swarm/serve-check.ts), so a file edited while the node was down is never served as the old one.
 */
export async function restoreContent (db: ShoalDatabase, warn: (message: string) => void): Promise<SwarmContent[]> {
  const restored: SwarmContent[] = []
  for (const record of db.listContent()) {
    try {
      const cid = CID.parse(record.cid)
      const { manifest, publisher } = await verifySignedManifest(decodeSignedManifest(record.signed), cid)
      const layout = new PieceLayout(manifest)
      const where = record.complete ? record.path : record.partialPath
      if (where === undefined || !(await stat(where).then(() => true, () => false))) {
        if (record.complete) warn(`${record.path} is gone; it is no longer served (${record.cid})`)
        continue
      }
      const bitfield = record.complete
        ? undefined
        : record.bitfield !== undefined ? Bitfield.fromBytes(layout.pieceCount, record.bitfield) : new Bitfield(layout.pieceCount)
      restored.push(new SwarmContent({
        cid, signed: record.signed, manifest, publisher, hashes: record.hashes, bitfield,
        // A partial download's files are ours; a finished one's may have been edited while we were down.
        trust: record.complete ? { kind: 'unknown' } : { kind: 'own-writes' },
        files: new PieceFiles(layout, manifest, where)
      }))
    } catch (err: any) {
      warn(`skipping a damaged record for ${record.cid}: ${err.message}`)
    }
  }
  return restored
}
