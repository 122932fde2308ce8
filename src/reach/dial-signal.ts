/**
 * A signal for one dial that follows `outer` only until the dial is over. @libp2p/tcp hands the
 * dial's signal to `net.connect`, which destroys the socket whenever that signal aborts, for the
 * socket's whole life; a timeout signal given straight to a dial thus kills the connection once
 * the timeout passes, however well it went (libp2p's dial queue detaches its own the same way).
 */
export async function withDialSignal<T> (outer: AbortSignal, dial: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController()
  const forward = (): void => { controller.abort(outer.reason) }
  if (outer.aborted) forward()
  else outer.addEventListener('abort', forward, { once: true })
  try {
    return await dial(controller.signal)
  } finally {
    outer.removeEventListener('abort', forward)
  }
}
