import { ErrorCode, ShoalError } from '../../errors.js'
import { SETUP_HEDGE_MS, SETUP_RACE_WIDTH } from './constants.js'
import type { PeerSession } from './peer-session.js'

/** Where a race finds its peers: the download's open sessions. */
export interface SessionSource {
  live: () => PeerSession[]
  /** Resolves when another session opens (one shared promise, however many wait). */
  arrival: () => Promise<void>
  signal: AbortSignal
}

/**
 * Asks `ask` of one session, then of one more every SETUP_HEDGE_MS while no answer has come (at
 * once when one fails), and returns the first answer. At most SETUP_RACE_WIDTH questions asked
 * within the last hedge run at once; one unanswered for longer no longer holds a place, so ten
 * silent peers cost a hedge each, not a handshake timeout per SETUP_RACE_WIDTH of them. A failure
 * goes to `onFailure` (which scores and closes the session); if it returns an error, the race ends
 * with it. When every open session has been asked and none is still thinking, the race waits for a
 * new session, or asks the open ones again after a pause.
 */
export async function raceSessions<T> (
  source: SessionSource,
  ask: (session: PeerSession) => Promise<T>,
  onFailure: (session: PeerSession, err: Error) => Error | undefined
): Promise<T> {
  return await new Promise<T>((resolve, reject) => {
    const asked = new Set<PeerSession>()
    /** When each question still unanswered was asked. */
    const running = new Map<PeerSession, number>()
    let settled = false
    let timer: ReturnType<typeof setTimeout> | undefined
    let awaitingArrival = false
    const finish = (settle: () => void): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      source.signal.removeEventListener('abort', onAbort)
      settle()
    }
    const onAbort = (): void => finish(() => reject(new ShoalError(ErrorCode.Aborted, 'download stopped')))
    if (source.signal.aborted) { onAbort(); return }
    source.signal.addEventListener('abort', onAbort, { once: true })

    const start = (): boolean => {
      const fresh = source.live().filter(s => !s.closed && !asked.has(s))
      const session = fresh[Math.floor(Math.random() * fresh.length)]
      if (session === undefined) return false
      asked.add(session)
      running.set(session, Date.now())
      ask(session).then(value => finish(() => resolve(value)), (err: Error) => {
        running.delete(session)
        const fatal = onFailure(session, err)
        if (fatal !== undefined) finish(() => reject(fatal))
        else more()
      })
      return true
    }
    const later = (ms: number): void => {
      clearTimeout(timer)
      timer = setTimeout(more, ms)
    }
    /** Questions asked less than a hedge ago: one unanswered for longer no longer holds a place. */
    const thinking = (): number => {
      let n = 0
      for (const at of running.values()) if (Date.now() - at < SETUP_HEDGE_MS) n++
      return n
    }
    function more (): void {
      if (settled) return
      if (thinking() < SETUP_RACE_WIDTH && start()) return later(SETUP_HEDGE_MS)
      if (running.size > 0) return later(SETUP_HEDGE_MS)
      // Everyone open was asked and failed: wait for a newcomer, or ask the ones still open again.
      if (!awaitingArrival) {
        awaitingArrival = true
        void source.arrival().then(() => { awaitingArrival = false; more() })
      }
      clearTimeout(timer)
      timer = setTimeout(() => {
        for (const s of asked) if (!s.closed) asked.delete(s)
        more()
      }, SETUP_HEDGE_MS)
    }
    more()
  })
}
