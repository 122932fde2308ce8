import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseLink } from '../../src/content/link.js'
import { MAX_QUEUED_REQUESTS, MAX_STREAMS_PER_PEER } from '../../src/swarm/provider/constants.js'
import { Attacker } from '../../test/helpers/budget-attacker.js'
import { MIB, writeRandomFile } from '../lib/files.js'
import { measure, memoryOf, startBackground } from '../lib/proc.js'
import { SHOAL_BIN, linkOf, nodeArgs } from '../lib/shoal-cli.js'

/** The hostile host: another loopback address, so the honest peer (on 127.0.0.1) is not behind the same address. */
const HOSTILE_HOST = '127.0.0.2'
/** How often the seeder's RSS is sampled. */
const SAMPLE_MS = 500
/** How often the botnet replaces identities whose streams the seeder has ended (or banned). */
const REARM_MS = 1_000

export interface UnderAttackResult {
  bytes: number
  pieceSize: number
  identities: number
  /** Honest `shoal get` throughput before, during and after the attack, MB/s. */
  cleanMBps: number[]
  attackedMBps: number
  attackedGets: number
  ratio: number
  seedPeakMiB: number
  /** Least-squares slope of the seeder's RSS under attack after its first 20 % (the climb to its plateau), MiB per minute. */
  rssSlopeMiBPerMin: number
  /** The seeder's RSS under attack after its first 20 %, MiB. */
  rssLateMiB: { min: number, max: number }
  attackSeconds: number
  identitiesUsed: number
}

/**
 * A seeder (`shoal share`, its own process) serves an honest `shoal get` (its own process) alone,
 * then while `identities` hostile peers (test/helpers/budget-attacker.ts, in this process, all
 * connecting from HOSTILE_HOST) each
 * open the most streams the spec allows, ask each for the most pieces and never read, and one
 * more sends half frames; identities the seeder ends or bans are replaced by fresh ones, so the
 * pressure lasts; honest gets run back to back for `attackSeconds` (default 120, quick 20);
 * then one alone again. Figures: honest throughput with and without the
 * attack (same run), the seeder's peak RSS and its RSS slope under attack.
 */
export async function underAttack (options: { quick: boolean, attackSeconds?: number }): Promise<UnderAttackResult> {
  const bytes = (options.quick ? 128 : 256) * MIB
  const attackMs = (options.attackSeconds ?? (options.quick ? 20 : 120)) * 1000
  const pieceSize = 4 * MIB
  const identities = options.quick ? 5 : 20
  const dir = await mkdtemp(join(tmpdir(), 'shoal-bench-attack-'))
  try {
    const file = join(dir, 'big.bin')
    await writeRandomFile(file, bytes)
    const seeder = startBackground(process.execPath, [SHOAL_BIN, 'share', file, '--piece-size', String(pieceSize), ...nodeArgs(join(dir, 'seed'))], /"sharing"/)
    try {
      const link = linkOf(await seeder.firstLine)
      const parsed = parseLink(link)
      const addr = parsed.peers[0]?.toString() ?? ''
      const pid = seeder.child.pid as number
      let round = 0
      const get = async (): Promise<number> => {
        const m = await measure(process.execPath, [SHOAL_BIN, 'get', link, '-o', join(dir, `out${round}`), ...nodeArgs(join(dir, `getter${round}`))])
        await rm(join(dir, `out${round}`), { recursive: true, force: true })
        round++
        if (!m.stdout.includes('"event":"done"')) throw new Error(`shoal get did not finish: ${m.stdout.slice(-300)}`)
        return bytes / m.wallSeconds / 1e6
      }
      const before = await get()

      const samples: Array<{ t: number, mib: number }> = []
      const started = Date.now()
      const sampler = setInterval(() => samples.push({ t: (Date.now() - started) / 60_000, mib: memoryOf(pid).rssMiB }), SAMPLE_MS)
      const bots: Attacker[] = []
      let used = 0
      let stopping = false
      const arm = async (): Promise<void> => {
        const bot = await Attacker.start(HOSTILE_HOST)
        used++
        bots.push(bot)
        await bot.connect(addr).catch(() => {})
        await bot.press(addr, parsed.cid, { streams: MAX_STREAMS_PER_PEER, requests: MAX_QUEUED_REQUESTS, pieceCount: Math.ceil(bytes / pieceSize) }).catch(() => 0)
      }
      const rearm = async (): Promise<void> => {
        while (!stopping) {
          for (const bot of [...bots]) {
            if (bot.tally.opened > 0 && bot.tally.ended < bot.tally.opened) continue
            bots.splice(bots.indexOf(bot), 1)
            await bot.stop()
            if (!stopping) await arm()
          }
          await new Promise(resolve => setTimeout(resolve, REARM_MS))
        }
      }
      await Promise.all(Array.from({ length: identities }, arm))
      const halfFramer = await Attacker.start(HOSTILE_HOST)
      await halfFramer.halfFrames(addr, parsed.cid, MAX_STREAMS_PER_PEER, { frameBytes: 200 }).catch(() => 0)
      const rearming = rearm()
      const attackStart = Date.now()
      // Honest gets back to back for the whole attack; throughput is their mean.
      const attackedRuns: number[] = []
      try {
        while (attackedRuns.length === 0 || Date.now() - attackStart < attackMs) attackedRuns.push(await get())
      } finally {
        stopping = true
        clearInterval(sampler)
        await rearming
        await Promise.all([...bots, halfFramer].map(async b => await b.stop()))
      }
      const attackSeconds = (Date.now() - attackStart) / 1000
      // As the soak does: the slope after the first 20 % (the climb to the plateau).
      const late = samples.slice(Math.floor(samples.length / 5))
      const attacked = attackedRuns.reduce((a, b) => a + b, 0) / attackedRuns.length
      const after = await get()
      const clean = [before, after]
      const mean = (before + after) / 2
      return {
        bytes,
        pieceSize,
        identities,
        cleanMBps: clean,
        attackedMBps: attacked,
        attackedGets: attackedRuns.length,
        ratio: attacked / mean,
        seedPeakMiB: memoryOf(pid).peakMiB,
        rssSlopeMiBPerMin: slope(late),
        rssLateMiB: { min: Math.min(...late.map(p => p.mib)), max: Math.max(...late.map(p => p.mib)) },
        attackSeconds,
        identitiesUsed: used
      }
    } finally {
      await seeder.stop()
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

function slope (points: Array<{ t: number, mib: number }>): number {
  const n = points.length
  if (n < 2) return 0
  const mt = points.reduce((s, p) => s + p.t, 0) / n
  const mm = points.reduce((s, p) => s + p.mib, 0) / n
  const num = points.reduce((s, p) => s + (p.t - mt) * (p.mib - mm), 0)
  const den = points.reduce((s, p) => s + (p.t - mt) ** 2, 0)
  return den === 0 ? 0 : num / den
}
