import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { measure, median, startBackground } from '../lib/proc.js'
import { HTTP_SERVE, SHOAL_BIN, linkOf, nodeArgs } from '../lib/shoal-cli.js'
import { aria2Args, aria2Missing, ARIA2C } from '../lib/aria2.js'

export interface SmallFileResult {
  /** `done.durationMs` of `shoal get`: dial, handshake, manifest, piece, verify, fsync, rename. */
  getMs: number
  /** curl's time_total for the same file from a Node http server: connect + request + body. */
  httpMs: number
  ratio: number
  /** A cold `shoal get`, process start to its `done` line on stdout (the issue's < 250 ms target). */
  getStartToDoneMs: number
  /** CPU (user + system) of the whole `shoal get` command: steadier than its times on a loaded machine. */
  getCpuMs: number
  /** Whole commands, process start to exit: `shoal get` vs `curl`. */
  getCommandMs: number
  curlCommandMs: number
  /** Whole aria2c command for the same URL (it prints no transfer time of its own); undefined with the reason when it cannot run. */
  aria2CommandMs?: number
  aria2Skipped?: string
}

/** `get` of a 1 KiB file from the peer in the link, against an HTTP GET of the same file. */
export async function smallFile (options: { rounds: number }): Promise<SmallFileResult> {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-bench-'))
  const file = join(dir, 'small.txt')
  await writeFile(file, randomBytes(1024))
  const seeder = startBackground(process.execPath, [SHOAL_BIN, 'share', file, ...nodeArgs(join(dir, 'seed'))], /"sharing"/)
  const http = startBackground(process.execPath, [HTTP_SERVE, file], /^http:/)
  try {
    const link = linkOf(await seeder.firstLine)
    const url = (await http.firstLine).trim()
    const get: number[] = []
    const getCommand: number[] = []
    const startToDone: number[] = []
    const getCpu: number[] = []
    const httpMs: number[] = []
    const curlCommand: number[] = []
    const aria2Command: number[] = []
    const aria2Skipped = aria2Missing()
    for (let round = 0; round < options.rounds; round++) {
      const m = await measure('curl', ['-s', '-o', join(dir, 'http.out'), '-w', '%{time_total}', url])
      httpMs.push(Number(m.stdout) * 1000)
      curlCommand.push(m.wallSeconds * 1000)
      if (aria2Skipped === undefined) {
        const a = await measure(ARIA2C, aria2Args(url, dir, 'aria2.out'))
        if (a.code !== 0) throw new Error(`aria2c failed (${String(a.code)})`)
        aria2Command.push(a.wallSeconds * 1000)
      }
      const out = join(dir, `get-${round}`)
      const g = await measure(process.execPath, [SHOAL_BIN, 'get', link, '-o', out, ...nodeArgs(join(dir, `getter-${round}`))], { marker: /"event":"done"/ })
      const done = g.stdout.split('\n').filter(l => l.includes('"event":"done"')).map(l => JSON.parse(l))[0]
      if (done === undefined) throw new Error('shoal get did not finish')
      get.push(Number(done.durationMs))
      getCommand.push(g.wallSeconds * 1000)
      startToDone.push((g.markerSeconds ?? g.wallSeconds) * 1000)
      getCpu.push(g.cpuSeconds * 1000)
      await rm(out, { recursive: true, force: true })
    }
    return {
      getMs: median(get),
      httpMs: median(httpMs),
      ratio: median(get) / median(httpMs),
      getStartToDoneMs: median(startToDone),
      getCpuMs: median(getCpu),
      getCommandMs: median(getCommand),
      curlCommandMs: median(curlCommand),
      ...(aria2Skipped !== undefined ? { aria2Skipped } : { aria2CommandMs: median(aria2Command) })
    }
  } finally {
    await seeder.stop()
    await http.stop()
    await rm(dir, { recursive: true, force: true })
  }
}
