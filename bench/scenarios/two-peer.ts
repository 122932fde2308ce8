import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GIB, MIB, mbPerSecond, writeRandomFile } from '../lib/files.js'
import { cpuSecondsOf, measure, median, memoryOf, startBackground } from '../lib/proc.js'
import { HTTP_SERVE, SHOAL_BIN, linkOf, nodeArgs } from '../lib/shoal-cli.js'
import { aria2Args, aria2Missing, ARIA2C } from '../lib/aria2.js'

export interface TwoPeerResult {
  bytes: number
  shoalMBps: number
  httpMBps: number
  ratio: number
  getCpuPerGiB: number
  seedCpuPerGiB: number
  curlCpuPerGiB: number
  httpServerCpuPerGiB: number
  getPeakMiB: number
  seedPeakMiB: number
  /** aria2c over HTTP from the same server, same rounds; undefined with the reason when it cannot run. */
  aria2MBps?: number
  ratioToAria2?: number
  aria2CpuPerGiB?: number
  aria2Skipped?: string
}

/**
 * `shoal get` of one file from one seeder on loopback (whole command: start, encrypted transfer,
 * verification, fsync, exit) against curl downloading the same file from a Node http server to
 * the same disk, alternating, `rounds` times each.
 */
export async function twoPeer (options: { quick: boolean, rounds: number }): Promise<TwoPeerResult> {
  const size = options.quick ? 256 * MIB : GIB
  const dir = await mkdtemp(join(tmpdir(), 'shoal-bench-'))
  const file = join(dir, 'payload.bin')
  await writeRandomFile(file, size)
  const seeder = startBackground(process.execPath, [SHOAL_BIN, 'share', file, ...nodeArgs(join(dir, 'seed'))], /"sharing"/)
  const http = startBackground(process.execPath, [HTTP_SERVE, file], /^http:/)
  try {
    const link = linkOf(await seeder.firstLine)
    const url = (await http.firstLine).trim()
    const shoal: number[] = []
    const curl: number[] = []
    const getCpu: number[] = []
    const seedCpu: number[] = []
    const curlCpu: number[] = []
    const serverCpu: number[] = []
    const aria2: number[] = []
    const aria2Cpu: number[] = []
    const aria2Skipped = aria2Missing()
    let getPeak = 0
    for (let round = 0; round < options.rounds; round++) {
      const runHttp = async (): Promise<void> => {
        const out = join(dir, 'http.out')
        const before = cpuSecondsOf(http.child.pid as number)
        const m = await measure('curl', ['-s', '-o', out, url])
        serverCpu.push(cpuSecondsOf(http.child.pid as number) - before)
        curl.push(mbPerSecond(size, m.wallSeconds))
        curlCpu.push(m.cpuSeconds)
        await rm(out, { force: true })
      }
      const runAria2 = async (): Promise<void> => {
        if (aria2Skipped !== undefined) return
        const m = await measure(ARIA2C, aria2Args(url, dir, 'aria2.out'))
        if (m.code !== 0) throw new Error(`aria2c failed (${String(m.code)}): ${m.stdout.slice(-300)}`)
        aria2.push(mbPerSecond(size, m.wallSeconds))
        aria2Cpu.push(m.cpuSeconds)
        await rm(join(dir, 'aria2.out'), { force: true })
      }
      const runShoal = async (): Promise<void> => {
        const out = join(dir, `get-${round}`)
        const before = cpuSecondsOf(seeder.child.pid as number)
        const m = await measure(process.execPath, [SHOAL_BIN, 'get', link, '-o', out, ...nodeArgs(join(dir, `getter-${round}`))])
        seedCpu.push(cpuSecondsOf(seeder.child.pid as number) - before)
        if (!m.stdout.includes('"event":"done"')) throw new Error(`shoal get did not finish: ${m.stdout.slice(-300)}`)
        shoal.push(mbPerSecond(size, m.wallSeconds))
        getCpu.push(m.cpuSeconds)
        getPeak = Math.max(getPeak, m.maxRssMiB)
        await rm(out, { recursive: true, force: true })
        await rm(join(dir, `getter-${round}`), { recursive: true, force: true })
      }
      // Alternate which goes first, so page-cache and machine-load drift hit both alike.
      if (round % 2 === 0) { await runHttp(); await runAria2(); await runShoal() } else { await runShoal(); await runAria2(); await runHttp() }
    }
    const gib = size / GIB
    const result: TwoPeerResult = {
      bytes: size,
      shoalMBps: median(shoal),
      httpMBps: median(curl),
      ratio: median(shoal.map((s, i) => s / (curl[i] as number))),
      getCpuPerGiB: median(getCpu) / gib,
      seedCpuPerGiB: median(seedCpu) / gib,
      curlCpuPerGiB: median(curlCpu) / gib,
      httpServerCpuPerGiB: median(serverCpu) / gib,
      getPeakMiB: getPeak,
      seedPeakMiB: memoryOf(seeder.child.pid as number).peakMiB,
      ...(aria2Skipped !== undefined
        ? { aria2Skipped }
        : { aria2MBps: median(aria2), ratioToAria2: median(shoal.map((s, i) => s / (aria2[i] as number))), aria2CpuPerGiB: median(aria2Cpu) / gib })
    }
    return result
  } finally {
    await seeder.stop()
    await http.stop()
    await rm(dir, { recursive: true, force: true })
  }
}
