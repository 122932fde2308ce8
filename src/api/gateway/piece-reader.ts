import { ErrorCode, ShoalError } from '../../errors.js'
import type { SwarmContent } from '../../swarm/common/swarm-content.js'
import { GATEWAY_MAX_READAHEAD_PIECES, GATEWAY_PIECE_TIMEOUT_MS, GATEWAY_POLL_MS, GATEWAY_READAHEAD_BYTES, GATEWAY_REREADS } from '../constants.js'
import { sleep } from '../../sleep.js'
import type { ByteRange } from './range.js'

export interface PieceReaderOptions {
  /** The content as served now (it may be replaced, e.g. when a download is resumed). */
  content: () => SwarmContent | undefined
  /** Asks the running download, if any, for these pieces first. */
  prioritize: (pieces: number[]) => void
  file: number
  range: ByteRange
  signal: AbortSignal
}

/**
 * Reads bytes `range` of one file of a content, piece by piece, as they are verified: a piece not
 * here yet is asked for first (with the next few after it, so playback keeps ahead) and waited
 * for. Pieces are checked as they are read, like everything Shoal serves (swarm/serve-check.ts).
 */
export async function * readFileRange (o: PieceReaderOptions): AsyncGenerator<Uint8Array> {
  const first = current(o).layout.firstPiece(o.file)
  const pieceSize = current(o).layout.pieceSize
  const lastPiece = first + Math.floor(o.range.end / pieceSize)
  const readahead = Math.max(1, Math.min(GATEWAY_MAX_READAHEAD_PIECES, Math.ceil(GATEWAY_READAHEAD_BYTES / pieceSize)))
  for (let offset = o.range.start; offset <= o.range.end;) {
    const piece = first + Math.floor(offset / pieceSize)
    const wanted: number[] = []
    for (let p = piece; p <= Math.min(lastPiece, piece + readahead - 1); p++) wanted.push(p)
    const data = await readPiece(o, piece, wanted)
    const from = offset - (piece - first) * pieceSize
    const to = Math.min(data.byteLength, o.range.end - (piece - first) * pieceSize + 1)
    yield data.subarray(from, to)
    offset += to - from
  }
}

function current (o: PieceReaderOptions): SwarmContent {
  const content = o.content()
  if (content === undefined) throw new ShoalError(ErrorCode.NotFound, 'the content is no longer served')
  return content
}

/** Waits (bounded) until `piece` is verified, asking for `wanted` first meanwhile, then reads it. */
async function readPiece (o: PieceReaderOptions, piece: number, wanted: number[]): Promise<Uint8Array> {
  const deadline = Date.now() + GATEWAY_PIECE_TIMEOUT_MS
  let rereads = 0
  for (;;) {
    if (o.signal.aborted) throw new ShoalError(ErrorCode.Aborted, 'the client went away')
    const content = current(o)
    if (content.bitfield.has(piece)) {
      const data = await content.readVerifiedPiece(piece)
      if (data !== undefined) return data
      // The bytes moved or changed under us. A download being committed renames its file before
      // the content learns the new path: look again a few times (a few ms) before giving up.
      if (o.content() === content) {
        if (++rereads > GATEWAY_REREADS) throw new ShoalError(ErrorCode.NotFound, `piece ${piece} could not be read`)
        await sleep(Math.min(GATEWAY_POLL_MS, 2 ** rereads), o.signal)
      }
      continue
    }
    // Asked again at every poll: a download resumed or restarted since has forgotten earlier asks.
    o.prioritize(wanted.filter(p => !content.bitfield.has(p)))
    if (Date.now() > deadline) throw new ShoalError(ErrorCode.Timeout, `piece ${piece} did not arrive within ${GATEWAY_PIECE_TIMEOUT_MS / 1000} s`)
    await untilHave(content, piece, o.signal)
  }
}

/** Resolves when `piece` arrives, the poll interval passes (the content may be replaced), or `signal` aborts. */
async function untilHave (content: SwarmContent, piece: number, signal: AbortSignal): Promise<void> {
  await new Promise<void>(resolve => {
    const done = (): void => {
      clearTimeout(timer)
      stop()
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, GATEWAY_POLL_MS)
    const stop = content.onHave(p => { if (p === piece) done() })
    signal.addEventListener('abort', done, { once: true })
  })
}
