/**
 * Helpers for daemon tests: a Daemon on loopback (API on a free port, no mDNS) inside a
 * TestSwarm's folder, a fetch that carries the token, and a reader for the event stream.
 */
import { join } from 'node:path'
import { Daemon } from '../../src/daemon/daemon.js'
import { Logger, type LogRecord } from '../../src/log/logger.js'
import { LOOPBACK, type TestSwarm } from './swarm.js'

export interface TestDaemon {
  daemon: Daemon
  /** Log records the daemon wrote (every level). */
  logs: LogRecord[]
  /** fetch(url + path) with `Authorization: Bearer <token>` unless `token: null`. */
  call: (path: string, init?: RequestInit & { token?: string | null }) => Promise<Response>
  json: <T = any>(path: string, init?: RequestInit & { token?: string | null }) => Promise<T>
}

/** Starts a daemon whose data lives in `<swarm>/nodes/<name>`; the swarm's cleanup() does not stop it: call daemon.stop(). */
export async function startDaemon (swarm: TestSwarm, name: string, options: { uploadLimit?: number } = {}): Promise<TestDaemon> {
  const logs: LogRecord[] = []
  const logger = new Logger({ level: 'debug', format: 'json', out: { write: () => true } })
  logger.subscribe(record => logs.push(record))
  const daemon = await Daemon.start({
    node: { dataDir: await swarm.dir(join('nodes', name)), listen: [LOOPBACK], mdns: false, uploadLimit: options.uploadLimit },
    apiHost: '127.0.0.1',
    apiPort: 0,
    logger
  })
  const call = async (path: string, init: RequestInit & { token?: string | null } = {}): Promise<Response> => {
    const { token, ...rest } = init
    const headers = new Headers(rest.headers)
    const use = token === undefined ? daemon.token : token
    if (use !== null) headers.set('Authorization', `Bearer ${use}`)
    if (rest.body !== undefined && typeof rest.body === 'string' && !headers.has('Content-Type')) headers.set('Content-Type', 'application/json')
    return await fetch(daemon.url + path, { ...rest, headers, signal: rest.signal ?? AbortSignal.timeout(30_000) })
  }
  const json = async <T = any>(path: string, init?: RequestInit & { token?: string | null }): Promise<T> => {
    const response = await call(path, init)
    const text = await response.text()
    if (!response.ok) throw new Error(`${init?.method ?? 'GET'} ${path} → ${response.status}: ${text}`)
    return (text === '' ? undefined : JSON.parse(text)) as T
  }
  return { daemon, logs, call, json }
}

export interface SseEvent { name: string, data: any }

/** Reads the daemon's event stream until `stop()`; `events` fills as they arrive. */
export function readEvents (d: TestDaemon): { events: SseEvent[], stop: () => void, ready: Promise<void> } {
  const events: SseEvent[] = []
  const controller = new AbortController()
  const ready = (async () => {
    const response = await fetch(`${d.daemon.url}/api/v1/events?token=${d.daemon.token}`, { signal: controller.signal })
    if (!response.ok || response.body === null) throw new Error(`event stream: ${response.status}`)
    void (async () => {
      const decoder = new TextDecoder()
      let buffer = ''
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true })
          let end
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end)
            buffer = buffer.slice(end + 2)
            const name = /^event: (.*)$/m.exec(block)?.[1]
            const data = /^data: (.*)$/m.exec(block)?.[1]
            if (name !== undefined && data !== undefined) events.push({ name, data: JSON.parse(data) })
          }
        }
      } catch {}
    })()
  })()
  return { events, stop: () => controller.abort(), ready }
}
