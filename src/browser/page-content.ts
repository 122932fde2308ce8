/// <reference lib="dom" />
/**
 * What a finished download gives the user, as files to save: the stored files as they are, or,
 * for a secret link (`#k=…`), the stored sealed copy opened in the page with the link's key
 * (content/secret-open.ts), segment by segment, each checked, never the whole file in memory.
 */
import { MAX_SIGNED_MANIFEST_BYTES } from '../content/envelope.js'
import type { Manifest } from '../content/manifest.js'
import { TAG_BYTES } from '../content/secret.js'
import { openInnerManifest, SealedFile } from '../content/secret-open.js'
import { ErrorCode, ShoalError } from '../errors.js'
import { SECRET_READ_SEGMENTS } from './constants.js'
import { pageSecretCipher, pageSegmentOpener } from './page-cipher.js'
import type { PageStorage } from './page-storage.js'

/** One file to hand to the user. */
export interface SaveSource {
  /** Its path in the content (the content's name for a single file; `<name>/<path>` in a folder). */
  path: string
  size: number
  /** Its bytes in order; a secret file throws part-way if a segment or its root does not check out. */
  chunks: () => AsyncIterable<Uint8Array>
  /** The stored file as it is, where no opening is needed (a Blob the browser keeps on disk). */
  blob?: () => Promise<Blob>
}

export interface PageContent {
  name: string
  kind: Manifest['kind']
  /** Who signed the (inner, for a secret link) manifest. */
  publisher: string
  /** For a secret link: the inner content's ID. */
  innerCid?: string
  files: SaveSource[]
}

function pathOf (manifest: Manifest, file: Manifest['files'][number]): string {
  return manifest.kind === 'file' ? manifest.name : `${manifest.name}/${file.path}`
}

async function * blobChunks (blob: Blob): AsyncIterable<Uint8Array> {
  const reader = blob.stream().getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return
    yield value
  }
}

/** The files of an ordinary content, as the page stored them. */
export function storedContent (storage: PageStorage, manifest: Manifest, publisher: string): PageContent {
  return {
    name: manifest.name,
    kind: manifest.kind,
    publisher,
    files: manifest.files.map((file, index) => ({
      path: pathOf(manifest, file),
      size: file.size,
      blob: async () => await storage.fileOf(index),
      chunks: async function * () { yield * blobChunks(await storage.fileOf(index)) }
    }))
  }
}

/**
 * Opens the stored sealed copy of a secret content (`outer`, verified piece by piece already)
 * with the link's key: the inner manifest now (a wrong key is BAD_KEY), the files as they are read.
 */
export async function openSecretContent (storage: PageStorage, outer: Manifest, contentKey: Uint8Array): Promise<PageContent> {
  const last = outer.files.length - 1
  const sealedManifest = await storage.fileOf(last)
  if (sealedManifest.size > MAX_SIGNED_MANIFEST_BYTES + TAG_BYTES) throw new ShoalError(ErrorCode.BadManifest, 'secret content is damaged: the sealed manifest is too large')
  const sealed = new Uint8Array(await sealedManifest.arrayBuffer())
  const inner = await openInnerManifest(pageSecretCipher, contentKey, sealed, outer.files.slice(0, last).map(f => f.size))
  const { manifest } = inner
  const openSegment = pageSegmentOpener()
  return {
    name: manifest.name,
    kind: manifest.kind,
    publisher: inner.publisher,
    innerCid: inner.innerCid,
    files: manifest.files.map((file, index) => ({
      path: pathOf(manifest, file),
      size: file.size,
      chunks: async function * () {
        const opener = new SealedFile(pageSecretCipher, contentKey, index, file, manifest.pieceSize, openSegment)
        const stored = await storage.fileOf(index)
        // Read a run of segments at a time: each read of a Blob is a round trip to the browser.
        for (let first = 0; first < opener.segments; first += SECRET_READ_SEGMENTS) {
          const count = Math.min(SECRET_READ_SEGMENTS, opener.segments - first)
          const start = opener.range(first).offset
          const end = opener.range(first + count - 1).offset + opener.range(first + count - 1).length
          const run = new Uint8Array(await stored.slice(start, end).arrayBuffer())
          for (let segment = first; segment < first + count; segment++) {
            const { offset, length } = opener.range(segment)
            yield await opener.open(run.subarray(offset - start, offset - start + length))
          }
        }
        opener.finish()
      }
    }))
  }
}
