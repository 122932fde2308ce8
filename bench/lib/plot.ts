import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
export const GNUPLOT = '/usr/bin/gnuplot'

/** Time until the last downloader finishes vs N, for Shoal, HTTP and the fluid bound T*. Needs gnuplot (Debian gnuplot-nox). */
export async function plotFlashCrowd (rows: Array<{ n: number, shoal: number, http: number, aria2?: number, tStar: number }>, png: string, mib: number): Promise<string | undefined> {
  if (!existsSync(GNUPLOT)) {
    console.log('(no plot: install gnuplot-nox for PNG plots)')
    return undefined
  }
  const data = join(tmpdir(), `shoal-plot-${process.pid}.dat`)
  const scriptFile = join(tmpdir(), `shoal-plot-${process.pid}.gp`)
  await writeFile(data, rows.map(r => `${r.n} ${r.shoal} ${r.http} ${r.tStar} ${r.aria2 ?? Number.NaN}`).join('\n') + '\n')
  const script = [
    'set terminal png size 800,500',
    `set output '${png}'`,
    `set title 'Flash crowd: one seeder, N downloaders, ${mib} MiB, 20 Mbit/s links, 20 ms'`,
    "set xlabel 'downloaders arriving at once (N)'",
    "set ylabel 'seconds until the last one finishes'",
    'set key top left',
    'set grid',
    'set logscale x 2',
    `plot '${data}' using 1:2 with linespoints lw 2 title 'Shoal', ` +
    `'' using 1:3 with linespoints lw 2 title 'HTTP (client-server)', ` +
    (rows.some(r => Number.isFinite(r.aria2)) ? `'' using 1:5 with linespoints lw 2 title 'BitTorrent (aria2)', ` : '') +
    `'' using 1:4 with lines dt 2 lw 2 title 'fluid lower bound T*'`
  ].join('\n')
  await writeFile(scriptFile, script + '\n')
  try {
    await run(GNUPLOT, [scriptFile])
  } finally {
    await rm(data, { force: true })
    await rm(scriptFile, { force: true })
  }
  return png
}
