/**
 * `npm run bench -- browser`: the web page (src/browser/) downloading from a Node seeder over
 * WebSockets in headless Chromium, against a Node `get` of the same content from the same seeder
 * in the same run (its default path: libp2p over TCP, then a direct connection). Reports both
 * rates and their ratio, the page's time to its first verified piece, and its memory while it
 * downloads: the renderer's peak RSS (worker included) and peak JS heap, which must stay far
 * below the file's size (pieces go to OPFS, the file is never held in memory).
 */
import { readFile, readdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { startPageServer } from '../../src/api/page-server.js'
import { formatLink } from '../../src/content/link.js'
import { isWebSocketsAddr } from '../../src/net/websockets.js'
import { createNode } from '../../src/node/node.js'
import { ensureChromium, launchChromium } from '../../test/helpers/browser.js'
import { mbPerSecond, MIB, writeRandomFile } from '../lib/files.js'

export interface BrowserResult {
  bytes: number
  pageMBps: number
  nodeMBps: number
  /** page / node, same run. */
  ratio: number
  firstPieceMs: number
  rendererPeakMiB: number
  jsHeapPeakMiB: number
  skipped?: string
}

const SAMPLE_MS = 200
const DONE_TIMEOUT_MS = 600_000

/** Resident memory of the renderer processes of the browser using `profile` (its page and workers). */
async function rendererRssMiB (profile: string): Promise<number> {
  let total = 0
  for (const pid of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(pid)) continue
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')
    if (!cmdline.includes('--type=renderer') || !cmdline.includes(profile)) continue
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '')
    total += Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024
  }
  return total
}

export async function browserBench (options: { quick: boolean }): Promise<BrowserResult> {
  const bytes = (options.quick ? 64 : 256) * MIB
  const chromium = ensureChromium()
  if ('skip' in chromium) return { bytes, pageMBps: 0, nodeMBps: 0, ratio: 0, firstPieceMs: 0, rendererPeakMiB: 0, jsHeapPeakMiB: 0, skipped: chromium.skip }
  const dir = await mkdtemp(join(tmpdir(), 'shoal-bench-browser-'))
  const listen = ['/ip4/127.0.0.1/tcp/0']
  const seeder = await createNode({ dataDir: join(dir, 'seeder'), listen, mdns: false, reach: false })
  const getter = await createNode({ dataDir: join(dir, 'getter'), listen, mdns: false, reach: false })
  const server = await startPageServer('127.0.0.1', 0)
  const browser = await launchChromium(chromium.path)
  try {
    const path = join(dir, 'big.bin')
    await writeRandomFile(path, bytes)
    const shared = await seeder.share(path)

    let started = Date.now()
    await getter.get(shared.link, { output: join(dir, 'out'), timeoutMs: DONE_TIMEOUT_MS })
    const nodeMBps = mbPerSecond(bytes, (Date.now() - started) / 1000)

    const ws = seeder.addrs().filter(isWebSocketsAddr).map(a => multiaddr(a))
    const page = await browser.context.newPage()
    const cdp = await browser.context.newCDPSession(page)
    await cdp.send('Performance.enable')
    const profile = browser.profile
    let rendererPeakMiB = 0
    let jsHeapPeakMiB = 0
    let firstPieceMs = 0
    started = Date.now()
    await page.goto(`${server.url}#${formatLink({ cid: CID.parse(shared.cid), peers: ws })}`)
    for (;;) {
      const phase = await page.evaluate(() => [document.body.dataset.phase, Number(document.body.dataset.verified ?? 0)] as const)
      if (firstPieceMs === 0 && (phase[1] > 0 || phase[0] === 'done')) firstPieceMs = Date.now() - started
      const metrics = await cdp.send('Performance.getMetrics')
      const heap = metrics.metrics.find(m => m.name === 'JSHeapUsedSize')?.value ?? 0
      jsHeapPeakMiB = Math.max(jsHeapPeakMiB, heap / MIB)
      rendererPeakMiB = Math.max(rendererPeakMiB, await rendererRssMiB(profile))
      if (phase[0] === 'done') break
      if (phase[0] === 'error') throw new Error(`the page failed: ${await page.textContent('#status') ?? ''}`)
      if (Date.now() - started > DONE_TIMEOUT_MS) throw new Error('the page did not finish in time')
      await new Promise(resolve => setTimeout(resolve, SAMPLE_MS))
    }
    const pageMBps = mbPerSecond(bytes, (Date.now() - started) / 1000)
    return { bytes, pageMBps, nodeMBps, ratio: pageMBps / nodeMBps, firstPieceMs, rendererPeakMiB, jsHeapPeakMiB }
  } finally {
    await browser.close()
    await server.close()
    await getter.stop()
    await seeder.stop()
    await rm(dir, { recursive: true, force: true })
  }
}
