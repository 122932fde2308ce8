import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GIB, writeRandomFile } from '../lib/files.js'
import { measure, memoryOf, startBackground } from '../lib/proc.js'
import { SHOAL_BIN, linkOf, nodeArgs } from '../lib/shoal-cli.js'

/** An idle node is measured after this long, once start-up garbage has been collected. */
export const IDLE_SETTLE_MS = 5_000

export interface MemoryResult { idleMiB: number, bytes: number, seedPeakMiB: number, getPeakMiB: number }

/** Idle RSS of a node sharing a small file; peak RSS of both sides of a 4 GiB (quick: 1 GiB) transfer. */
export async function memory (options: { quick: boolean }): Promise<MemoryResult> {
  const size = options.quick ? GIB : 4 * GIB
  const dir = await mkdtemp(join(tmpdir(), 'shoal-bench-'))
  try {
    await writeFile(join(dir, 'tiny.txt'), 'hello')
    const idle = startBackground(process.execPath, [SHOAL_BIN, 'share', join(dir, 'tiny.txt'), ...nodeArgs(join(dir, 'idle'))], /"sharing"/)
    await idle.firstLine
    await new Promise(resolve => setTimeout(resolve, IDLE_SETTLE_MS))
    const idleMiB = memoryOf(idle.child.pid as number).rssMiB
    await idle.stop()

    const file = join(dir, 'big.bin')
    await writeRandomFile(file, size)
    const seeder = startBackground(process.execPath, [SHOAL_BIN, 'share', file, ...nodeArgs(join(dir, 'seed'))], /"sharing"/)
    try {
      const link = linkOf(await seeder.firstLine)
      const m = await measure(process.execPath, [SHOAL_BIN, 'get', link, '-o', join(dir, 'out'), ...nodeArgs(join(dir, 'getter'))])
      if (!m.stdout.includes('"event":"done"')) throw new Error('shoal get did not finish')
      return { idleMiB, bytes: size, seedPeakMiB: memoryOf(seeder.child.pid as number).peakMiB, getPeakMiB: m.maxRssMiB }
    } finally {
      await seeder.stop()
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
