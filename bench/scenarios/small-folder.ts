import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { measure, median, startBackground } from '../lib/proc.js'
import { HTTP_SERVE, SHOAL_BIN, linkOf, nodeArgs } from '../lib/shoal-cli.js'
import { aria2Missing, ARIA2C } from '../lib/aria2.js'

export interface SmallFolderResult {
  files: number
  fileBytes: number
  /** Whole `shoal get` of the folder, process start to exit. */
  getCommandMs: number
  /** `done.durationMs` of that get. */
  getMs: number
  /** One curl command fetching every file over one kept-alive connection. */
  curlCommandMs: number
  ratio: number
  aria2CommandMs?: number
  ratioToAria2?: number
  aria2Skipped?: string
}

/** `get` of a folder of many small files from the peer in the link, against HTTP of the same files. */
export async function smallFolder (options: { rounds: number, files: number, fileBytes: number }): Promise<SmallFolderResult> {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-bench-'))
  const folder = join(dir, 'many')
  await mkdir(folder)
  const names = Array.from({ length: options.files }, (_, i) => `f${String(i).padStart(4, '0')}.bin`)
  for (const name of names) await writeFile(join(folder, name), randomBytes(options.fileBytes))
  const seeder = startBackground(process.execPath, [SHOAL_BIN, 'share', folder, ...nodeArgs(join(dir, 'seed'))], /"sharing"/)
  const http = startBackground(process.execPath, [HTTP_SERVE, folder], /^http:/)
  const aria2Skipped = aria2Missing()
  try {
    const link = linkOf(await seeder.firstLine)
    const base = (await http.firstLine).trim()
    const list = join(dir, 'urls.txt')
    await writeFile(list, names.map(n => `${base}${n}\n`).join(''))
    const get: number[] = []
    const getCommand: number[] = []
    const curl: number[] = []
    const aria2: number[] = []
    for (let round = 0; round < options.rounds; round++) {
      const httpOut = join(dir, `http-${round}`)
      await mkdir(httpOut)
      const c = await measure('curl', ['-s', '--output-dir', httpOut, '--remote-name-all', ...names.map(n => `${base}${n}`)])
      if (c.code !== 0) throw new Error(`curl failed (${String(c.code)})`)
      curl.push(c.wallSeconds * 1000)
      if (aria2Skipped === undefined) {
        const a = await measure(ARIA2C, ['-q', '-j4', '--file-allocation=none', '--summary-interval=0', '-d', join(dir, `aria2-${round}`), '-i', list])
        if (a.code !== 0) throw new Error(`aria2c failed (${String(a.code)})`)
        aria2.push(a.wallSeconds * 1000)
      }
      const out = join(dir, `get-${round}`)
      const g = await measure(process.execPath, [SHOAL_BIN, 'get', link, '-o', out, ...nodeArgs(join(dir, `getter-${round}`))])
      const done = g.stdout.split('\n').filter(l => l.includes('"event":"done"')).map(l => JSON.parse(l))[0]
      if (done === undefined) throw new Error(`shoal get did not finish: ${g.stdout.slice(-300)}`)
      get.push(Number(done.durationMs))
      getCommand.push(g.wallSeconds * 1000)
      for (const d of [out, httpOut, join(dir, `aria2-${round}`), join(dir, `getter-${round}`)]) await rm(d, { recursive: true, force: true })
    }
    return {
      files: options.files,
      fileBytes: options.fileBytes,
      getCommandMs: median(getCommand),
      getMs: median(get),
      curlCommandMs: median(curl),
      ratio: median(getCommand) / median(curl),
      ...(aria2Skipped !== undefined ? { aria2Skipped } : { aria2CommandMs: median(aria2), ratioToAria2: median(getCommand) / median(aria2) })
    }
  } finally {
    await seeder.stop()
    await http.stop()
    await rm(dir, { recursive: true, force: true })
  }
}
