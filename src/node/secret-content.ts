/**
 * `share --secret` and `get` of a link with `#k=…` (content/secret.ts): the plaintext is sealed
 * into `<data-dir>/secrets/<id>/` and that folder is shared as an ordinary content; a getter
 * downloads that outer content into its own `secrets/<cid>/` (and serves it on), then opens it
 * with the key into the output.
 */
import { randomBytes } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { PrivateKey } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import { buildContent } from '../content/build.js'
import { encodeSignedManifest, signManifest } from '../content/envelope.js'
import { formatLink, parseLink, type ShoalLink } from '../content/link.js'
import type { Manifest } from '../content/manifest.js'
import { CONTENT_KEY_BYTES, SECRET_CONTENT_NAME } from '../content/secret.js'
import { ErrorCode, ShoalError } from '../errors.js'
import type { ShoalDatabase } from '../store/database.js'
import { openFolder, sealFolder, SECRETS_DIR } from '../store/secret-files.js'
import type { DownloadResult } from '../swarm/requester/download-types.js'
import type { ShareResult } from './options.js'

const SEAL_ID_BYTES = 8

export interface SecretShareParts {
  dataDir: string
  privateKey: PrivateKey
  /** Shares a folder in place as an ordinary content. */
  shareFolder: (path: string) => Promise<{ cid: string, files: number, pieces: number, bytes: number }>
  linkFor: (cid: CID) => string
}

/** Builds and signs the inner content, seals it, shares the sealed folder; the link carries the new key. */
export async function shareSecret (parts: SecretShareParts, path: string, options: { pieceSize?: number, signal?: AbortSignal, onProgress?: (hashed: number, total: number) => void }): Promise<ShareResult> {
  const inner = await buildContent(path, options)
  const envelope = encodeSignedManifest(await signManifest(inner.bytes, parts.privateKey))
  const key = new Uint8Array(randomBytes(CONTENT_KEY_BYTES))
  const folder = join(parts.dataDir, SECRETS_DIR, `sealed-${randomBytes(SEAL_ID_BYTES).toString('hex')}`)
  const files = inner.manifest.files.map(f => ({ ...f, absolutePath: inner.manifest.kind === 'file' ? inner.rootPath : join(inner.rootPath, f.path) }))
  try {
    const root = await sealFolder(folder, files, inner.manifest.pieceSize, envelope, key)
    const outer = await parts.shareFolder(root)
    const link = withKey(parts.linkFor(parseLink(outer.cid).cid), key)
    return {
      cid: outer.cid,
      link,
      name: inner.manifest.name,
      kind: inner.manifest.kind,
      path: inner.rootPath,
      bytes: outer.bytes,
      files: outer.files,
      pieces: outer.pieces,
      skipped: inner.skipped
    }
  } catch (err) {
    await rm(folder, { recursive: true, force: true }).catch(() => {})
    throw err
  }
}

export function withKey (link: string, key: Uint8Array): string {
  return formatLink({ ...parseLink(link), key })
}

export interface SecretGetParts {
  dataDir: string
  db: ShoalDatabase
  /** An ordinary download of the outer content into `outputDir`. */
  download: (outputDir: string) => Promise<DownloadResult>
}

/** Downloads the outer content of `link` (unless this node has it whole), then opens it into `output`. */
export async function getSecret (parts: SecretGetParts, link: ShoalLink & { key: Uint8Array }, output: string | undefined): Promise<DownloadResult> {
  const cid = link.cid.toString()
  const record = parts.db.getContent(cid)
  let outer: DownloadResult | undefined
  let sealedRoot: string
  if (record?.complete === true && record.path !== undefined && record.path.endsWith(SECRET_CONTENT_NAME)) {
    sealedRoot = record.path
  } else {
    outer = await parts.download(join(parts.dataDir, SECRETS_DIR, cid))
    sealedRoot = outer.path
  }
  const started = Date.now()
  const opened = await openFolder(sealedRoot, link.key, resolve(output ?? '.'))
  return {
    cid,
    name: opened.manifest.name,
    kind: opened.manifest.kind,
    path: opened.path,
    publisher: opened.publisher,
    bytes: opened.manifest.files.reduce((sum, f) => sum + f.size, 0),
    received: outer?.received ?? 0,
    direct: outer?.direct ?? 0,
    relayed: outer?.relayed ?? 0,
    peers: outer?.peers ?? {},
    durationMs: (outer?.durationMs ?? 0) + Date.now() - started
  }
}
