import type { Stream } from '@libp2p/interface'
import type { TLSSocket } from 'node:tls'
import { Uint8ArrayList } from 'uint8arraylist'

/**
 * An ordered, encrypted byte pipe to one authenticated peer: what the swarm protocol runs over.
 * Either a libp2p stream (multiplexed on the peer's libp2p connection) or a direct TLS connection
 * (net/direct/), which moves bulk data without libp2p's JavaScript stream stack.
 */
export interface Pipe extends AsyncIterable<Uint8Array | Uint8ArrayList> {
  /** `relayed`: a libp2p stream on a connection through a data relay (reach/). */
  readonly kind: 'libp2p' | 'direct' | 'relayed'
  /** The swarm protocol version negotiated on a libp2p stream (a direct connection speaks 1.0.0: undefined). */
  readonly protocol?: string
  /** Whether `send` may still be called. */
  readonly writable: boolean
  /**
   * Queues the chunks in order; false when the caller should await `drained()` before more.
   * `onSent` is called once the pipe holds no reference to the chunks any more, so their memory
   * may be reused; a pipe that cannot tell (a libp2p stream) never calls it.
   */
  send: (chunks: Uint8Array[], onSent?: () => void) => boolean
  /** Bytes queued by `send` that have not gone out yet (a reader that stops reading keeps them here). */
  unsentBytes: () => number
  /** Resolves once queued bytes have gone out (or the pipe closed); rejects when `signal` fires. */
  drained: (signal?: AbortSignal) => Promise<void>
  /** Ends the write side and waits (briefly) for the peer to finish; aborts if it does not. */
  close: () => Promise<void>
  /** Tears the pipe down at once. */
  abort: (reason: string) => void
}

/** A pipe a peer opened to us, to be served, and what it may buffer unread (taken from the memory budget). */
export interface ServedPipe {
  pipe: Pipe
  peerId: string
  /** The remote IP address (budget/address.ts groups peers by it). */
  host: string | undefined
  unreadBytes: number
}

/** How long `close` waits for a graceful end before aborting. */
export const PIPE_CLOSE_TIMEOUT_MS = 2_000

/** Bytes a libp2p stream pipe may hold unread unless told otherwise. */
export const DEFAULT_UNREAD_BYTES = 4 * 1024 * 1024

/** The peer sent more than a pipe may hold unread: it is reset. */
export class ReadBufferExceeded extends Error {}

/**
 * A libp2p stream as a Pipe. At most `maxUnreadBytes` may wait unread: libp2p streams deliver
 * every message as it arrives (yamux grants more window as soon as bytes are received, not when
 * they are read), so without this bound a peer could fill our memory while we are busy writing.
 * A peer that sends past it is reset. `kind` is 'relayed' on a connection through a data relay.
 */
export function streamPipe (stream: Stream, maxUnreadBytes: number = DEFAULT_UNREAD_BYTES, kind: 'libp2p' | 'relayed' = 'libp2p'): Pipe {
  return {
    kind,
    protocol: stream.protocol,
    get writable () {
      return stream.status === 'open' && stream.writeStatus === 'writable'
    },
    send (chunks) {
      let ok = true
      for (const chunk of chunks) ok = stream.send(chunk)
      return ok
    },
    unsentBytes () {
      return stream.writeBufferLength
    },
    async drained (signal) {
      await streamIdle(stream, signal)
    },
    async close () {
      try {
        await stream.close({ signal: AbortSignal.timeout(PIPE_CLOSE_TIMEOUT_MS) })
      } catch {
        stream.abort(new Error('close timed out'))
      }
    },
    abort (reason) {
      stream.abort(new Error(reason))
    },
    [Symbol.asyncIterator] () {
      return boundedReader(stream, maxUnreadBytes)
    }
  }
}

/**
 * Resolves once `stream` holds no unsent bytes (or it closed). Not `onDrain()`: that resolves at
 * every 'drain' event, and a stream gets one whenever its muxer's socket drains, even while its
 * own window is still shut and its buffer full; a writer trusting it would queue piece after
 * piece there, uncounted, for a reader that never reads (and never be seen to stall).
 */
async function streamIdle (stream: Stream, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted()
  if (stream.writeBufferLength === 0 || stream.status !== 'open') return
  await new Promise<void>((resolve, reject) => {
    const done = (): void => {
      stream.removeEventListener('idle', done)
      stream.removeEventListener('close', done)
      signal?.removeEventListener('abort', aborted)
      resolve()
    }
    const aborted = (): void => {
      stream.removeEventListener('idle', done)
      stream.removeEventListener('close', done)
      reject(signal?.reason)
    }
    stream.addEventListener('idle', done)
    stream.addEventListener('close', done)
    signal?.addEventListener('abort', aborted, { once: true })
  })
}

/** The messages of `stream`, handed over as one list per read, aborting the stream past `max` unread bytes. */
function boundedReader (stream: Stream, max: number): AsyncIterator<Uint8ArrayList> {
  const queue: Array<Uint8Array | Uint8ArrayList> = []
  let queued = 0
  let ended = stream.readStatus !== 'readable' && stream.readStatus !== 'paused'
  let failure: Error | undefined
  let wake: (() => void) | undefined
  const notify = (): void => {
    const w = wake
    wake = undefined
    w?.()
  }
  const onMessage = (evt: { data: Uint8Array | Uint8ArrayList }): void => {
    queue.push(evt.data)
    queued += evt.data.byteLength
    if (queued > max && failure === undefined) {
      failure = new ReadBufferExceeded(`more than ${max} bytes unread`)
      stream.abort(failure)
    }
    notify()
  }
  const onClose = (evt: { error?: Error }): void => {
    ended = true
    failure ??= evt.error
    notify()
  }
  const onRemoteCloseWrite = (): void => { ended = true; notify() }
  const detach = (): void => {
    stream.removeEventListener('message', onMessage)
    stream.removeEventListener('close', onClose)
    stream.removeEventListener('remoteCloseWrite', onRemoteCloseWrite)
  }
  if (!ended) {
    stream.addEventListener('message', onMessage)
    stream.addEventListener('close', onClose)
    stream.addEventListener('remoteCloseWrite', onRemoteCloseWrite)
  }
  return {
    async next (): Promise<IteratorResult<Uint8ArrayList>> {
      for (;;) {
        if (failure instanceof ReadBufferExceeded) throw failure
        if (queue.length > 0) {
          const chunks = new Uint8ArrayList(...queue.splice(0))
          queued = 0
          return { done: false, value: chunks }
        }
        if (failure !== undefined) { detach(); throw failure }
        if (ended) { detach(); return { done: true, value: undefined } }
        await new Promise<void>(resolve => { wake = resolve })
      }
    },
    async return (): Promise<IteratorResult<Uint8ArrayList>> {
      detach()
      ended = true
      queue.length = 0
      queued = 0
      notify()
      return { done: true, value: undefined }
    }
  }
}

/**
 * A connected TLS socket as a Pipe. Reading pauses the socket while more than `maxBufferedBytes`
 * wait unread, so a slow consumer slows the sender instead of growing a buffer. Each read hands
 * over everything that arrived since the last one as one list (no concatenation): node:tls
 * delivers a chunk per 16 KiB record, and one await per record would cost more than the bytes.
 */
export function socketPipe (socket: TLSSocket, maxBufferedBytes: number): Pipe {
  const queue: Uint8Array[] = []
  let queued = 0
  let ended = false
  let failure: Error | undefined
  let wake: (() => void) | undefined
  let draining: Promise<void> | undefined
  const notify = (): void => {
    const w = wake
    wake = undefined
    w?.()
  }
  socket.on('data', (chunk: Buffer) => {
    queue.push(chunk)
    queued += chunk.byteLength
    if (queued > maxBufferedBytes) socket.pause()
    notify()
  })
  socket.on('end', () => { ended = true; notify() })
  socket.on('error', err => { failure ??= err; notify() })
  socket.on('close', () => { ended = true; notify() })

  return {
    kind: 'direct',
    get writable () {
      return !socket.destroyed && socket.writable
    },
    unsentBytes () {
      return socket.writableLength
    },
    send (chunks, onSent) {
      if (chunks.length > 1) socket.cork()
      chunks.forEach((chunk, i) => socket.write(chunk, i === chunks.length - 1 ? onSent : undefined))
      if (chunks.length > 1) socket.uncork()
      return !socket.writableNeedDrain
    },
    async drained (signal) {
      if (!socket.writableNeedDrain || socket.destroyed) return
      signal?.throwIfAborted()
      // One listener pair per drain, however many writers wait on it (each serve task may).
      const wait = draining ??= new Promise<void>(resolve => {
        const done = (): void => {
          socket.off('drain', done)
          socket.off('close', done)
          draining = undefined
          resolve()
        }
        socket.on('drain', done)
        socket.on('close', done)
      })
      if (signal === undefined) return await wait
      await new Promise<void>((resolve, reject) => {
        const aborted = (): void => reject(signal.reason)
        signal.addEventListener('abort', aborted, { once: true })
        void wait.then(() => { signal.removeEventListener('abort', aborted); resolve() })
      })
    },
    async close () {
      if (socket.destroyed) return
      await new Promise<void>(resolve => {
        const timer = setTimeout(() => { socket.destroy(); resolve() }, PIPE_CLOSE_TIMEOUT_MS)
        socket.once('close', () => { clearTimeout(timer); resolve() })
        socket.end()
        // The peer may have ended its side already: nothing more will come, so finish now.
        if (ended) socket.destroy()
      })
    },
    abort () {
      socket.destroy()
    },
    [Symbol.asyncIterator] () {
      return {
        async next (): Promise<IteratorResult<Uint8ArrayList>> {
          for (;;) {
            if (queue.length > 0) {
              const chunks = new Uint8ArrayList(...queue.splice(0))
              queued = 0
              if (socket.isPaused()) socket.resume()
              return { done: false, value: chunks }
            }
            if (failure !== undefined) throw failure
            if (ended) return { done: true, value: undefined }
            await new Promise<void>(resolve => { wake = resolve })
          }
        },
        async return (): Promise<IteratorResult<Uint8ArrayList>> {
          queue.length = 0
          queued = 0
          return { done: true, value: undefined }
        }
      }
    }
  }
}
