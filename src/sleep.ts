/**
 * Waits `ms`, or less if `signal` aborts first (never rejects). An already aborted signal never
 * fires 'abort' again: without the first check the timer would run out in full, keeping the
 * process alive after whatever waited had ended.
 */
export async function sleep (ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return
  await new Promise<void>(resolve => {
    const timer = setTimeout(done, ms)
    function done (): void {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
  })
}
