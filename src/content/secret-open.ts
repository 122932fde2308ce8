/**
 * Opening a secret content (secret.ts) once its sealed (outer) copy is verified: the inner signed
 * manifest first, then each file segment by segment, its plaintext checked against the inner
 * manifest's Merkle root. Shared by a node (store/secret-files.ts, files on disk) and a web page
 * (src/browser/page-secret.ts, files in the page's storage); neither reads bytes here, both hand
 * them in.
 */
import { decodeSignedManifest, verifySignedManifest } from './envelope.js'
import { manifestCid, type Manifest } from './manifest.js'
import { RootHasher } from './root-hasher.js'
import {
  fileKey, openManifest, sealedSize, segmentAad, segmentCount, segmentNonce, SEGMENT_BYTES, TAG_BYTES, type SecretCipher
} from './secret.js'
import { ErrorCode, ShoalError } from '../errors.js'

export function secretDamaged (message: string): ShoalError {
  return new ShoalError(ErrorCode.BadManifest, `secret content is damaged: ${message}`)
}

export interface InnerContent {
  innerCid: string
  manifest: Manifest
  publisher: string
}

/**
 * Opens and verifies the sealed inner manifest; `sealedSizes` are the sizes of the outer data
 * files as stored (each must be what its plaintext seals to). A wrong key is BAD_KEY.
 */
export async function openInnerManifest (cipher: SecretCipher, contentKey: Uint8Array, sealed: Uint8Array, sealedSizes: Array<number | undefined>): Promise<InnerContent> {
  const envelope = decodeSignedManifest(openManifest(cipher, contentKey, sealed))
  const innerCid = manifestCid(envelope.manifest)
  const { manifest, publisher } = await verifySignedManifest(envelope, innerCid)
  for (const [index, file] of manifest.files.entries()) {
    if (sealedSizes[index] !== sealedSize(file.size)) throw secretDamaged(`file ${index} has the wrong size`)
  }
  return { innerCid: innerCid.toString(), manifest, publisher }
}

/** AES-256-GCM opening of one segment; a page does it with WebCrypto, which is asynchronous. */
export type SegmentOpener = (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array) => Uint8Array | Promise<Uint8Array>

/** One sealed file of the content, opened segment by segment in order. */
export class SealedFile {
  readonly segments: number
  private readonly key: Uint8Array
  private readonly hasher: RootHasher
  private next = 0

  constructor (cipher: SecretCipher, contentKey: Uint8Array, private readonly index: number, private readonly file: Manifest['files'][number], pieceSize: number, private readonly openSegment: SegmentOpener = cipher.open) {
    this.segments = segmentCount(file.size)
    this.key = fileKey(cipher, contentKey, index)
    this.hasher = new RootHasher(pieceSize)
  }

  /** Where segment `segment`'s sealed bytes are in the sealed file. */
  range (segment: number): { offset: number, length: number } {
    return { offset: segment * (SEGMENT_BYTES + TAG_BYTES), length: Math.min(SEGMENT_BYTES, this.file.size - segment * SEGMENT_BYTES) + TAG_BYTES }
  }

  /** The plaintext of the next segment (they must come in order); throws if it does not authenticate. */
  async open (sealed: Uint8Array): Promise<Uint8Array> {
    const segment = this.next++
    let plain: Uint8Array
    try {
      plain = await this.openSegment(this.key, segmentNonce(segment), segmentAad(this.index, segment, segment === this.segments - 1), sealed)
    } catch {
      throw secretDamaged(`segment ${segment} of file ${this.index} does not authenticate`)
    }
    this.hasher.update(plain)
    return plain
  }

  /** After the last segment: throws unless the plaintext is the file the inner manifest names. */
  finish (): void {
    if (this.next !== this.segments) throw secretDamaged(`file ${this.index} was not read to its end`)
    if (this.hasher.root() !== this.file.root) throw secretDamaged(`${this.file.path} does not match its Merkle root`)
  }
}
