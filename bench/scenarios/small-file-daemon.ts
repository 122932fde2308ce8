import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { measure, median, startBackground, type Background } from '../lib/proc.js'
import { HTTP_SERVE, SHOAL_BIN, nodeArgs } from '../lib/shoal-cli.js'

export interface SmallFileDaemonResult {
  /** curl's time_total for GET /content/<cid> of the getter's daemon: a 1 KiB content it does not have yet, fetched from the sharer's daemon. */
  daemonMs: number
  /** curl's time_total for the same size from a Node http server. */
  httpMs: number
  ratio: number
  rounds: number
}

interface Daemon { process: Background, base: string, token: string, addrs: string[], traces: TraceLine[] }

/** A line of the daemon's SHOAL_TRACE output (src/log/trace.ts). */
interface TraceLine { trace: string, key?: string, ms: number }

const FILE_BYTES = 1024
/** Longest the getter's daemon is given to connect to the sharer's before the rounds start. */
const CONNECT_TIMEOUT_MS = 30_000

async function startDaemon (dataDir: string, extra: string[] = []): Promise<Daemon> {
  const process_ = startBackground(process.execPath, [SHOAL_BIN, 'daemon', '--api', '127.0.0.1:0', ...nodeArgs(dataDir), ...extra], /"event":"api"/)
  const event = JSON.parse(await process_.firstLine)
  const url = new URL(String(event.url))
  const token = new URLSearchParams(url.hash.slice(1)).get('token') ?? ''
  const traces: TraceLine[] = []
  if (process.env.SHOAL_TRACE !== undefined) {
    createInterface({ input: process_.child.stderr! }).on('line', line => {
      if (line.startsWith('{"trace"')) traces.push(JSON.parse(line))
    })
  }
  return { process: process_, base: `${url.protocol}//${url.host}`, token, addrs: event.addrs as string[], traces }
}

async function api (d: Daemon, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${d.base}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${d.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(CONNECT_TIMEOUT_MS)
  })
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`)
  return await res.json()
}

/**
 * A running daemon's fetch of a 1 KiB content it does not have, from another running daemon it is
 * connected to (curl's time_total of `GET /content/<cid>` on the getter's API: lookup, manifest,
 * piece, verification, fsync, and the bytes back to curl), against curl's GET of a 1 KiB file from
 * a Node http server; alternating, each round a fresh content shared through the sharer's API.
 */
export async function smallFileDaemon (options: { rounds: number }): Promise<SmallFileDaemonResult> {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-bench-'))
  const httpFile = join(dir, 'http.bin')
  await writeFile(httpFile, randomBytes(FILE_BYTES))
  const http = startBackground(process.execPath, [HTTP_SERVE, httpFile], /^http:/)
  const daemons: Daemon[] = []
  try {
    const sharer = await startDaemon(join(dir, 'sharer'))
    daemons.push(sharer)
    const getter = await startDaemon(join(dir, 'getter'), ['--bootstrap', sharer.addrs[0] as string])
    daemons.push(getter)
    const deadline = Date.now() + CONNECT_TIMEOUT_MS
    while (((await api(getter, '/api/v1/peers')).peers ?? []).length === 0) {
      if (Date.now() > deadline) throw new Error('the daemons did not connect')
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    const url = (await http.firstLine).trim()
    const daemonMs: number[] = []
    const httpMs: number[] = []
    // Round 0 warms both sides up (JIT, first DHT exchange) and is not counted.
    for (let round = 0; round <= options.rounds; round++) {
      const file = join(dir, `small-${round}.bin`)
      await writeFile(file, randomBytes(FILE_BYTES))
      const { cid } = await api(sharer, '/api/v1/shares', { path: file })
      const h = await measure('curl', ['-s', '-f', '-o', join(dir, 'http.out'), '-w', '%{time_total}', url])
      const g = await measure('curl', ['-s', '-o', join(dir, 'daemon.out'), '-w', '%{http_code} %{time_total} %{time_starttransfer}', `${getter.base}/content/${String(cid)}?token=${getter.token}`])
      const [status, seconds, firstByte] = g.stdout.split(' ')
      if (process.env.SHOAL_BENCH_VERBOSE !== undefined) console.log(`round ${round}: daemon ${g.stdout}, http ${h.stdout}`, JSON.stringify((await api(getter, '/api/v1/downloads')).downloads?.find((d: any) => d.cid === cid)))
      if (process.env.SHOAL_TRACE !== undefined) console.log(`round ${round} phases (ms after the request reached the getter): ${phases(getter.traces, String(cid))}`)
      if (status !== '200') throw new Error(`GET /content/${String(cid)} answered ${String(status)}: ${await readFile(join(dir, 'daemon.out'), 'utf8').catch(() => '')}`)
      if (round === 0) continue
      httpMs.push(Number(h.stdout) * 1000)
      daemonMs.push(Number(seconds) * 1000)
    }
    return { daemonMs: median(daemonMs), httpMs: median(httpMs), ratio: median(daemonMs) / median(httpMs), rounds: options.rounds }
  } finally {
    for (const d of daemons) await d.process.stop()
    await http.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

/** `phase +ms` for each trace line of `key`, from the first one. */
function phases (traces: TraceLine[], key: string): string {
  const mine = traces.filter(t => t.key === key)
  const start = mine[0]?.ms ?? 0
  return mine.map(t => `${t.trace} +${(t.ms - start).toFixed(1)}`).join(', ')
}
