/**
 * `npm run bench -- browser`: the web page (src/browser/) in headless Chromium.
 * - page ← node: a page downloads from a Node seeder over WebSockets, against a Node `get` of the
 *   same content from the same seeder in the same run (libp2p over TCP, then a direct connection);
 * - page ← page: then a second page, given only the first page's `/p2p-circuit/webrtc` address,
 *   gets the same content from it over WebRTC, signalled through the seeder's circuit relay (the
 *   seeder has removed the content by then: it only relays), against page ← node of the same run.
 * Page ← page needs a network namespace of its own (test/helpers/netns.ts, root): the whole
 * scenario then runs in one, so both figures come from the same conditions; without root it
 * measures page ← node on loopback and says why page ← page was skipped.
 * Then the same bytes shared with --secret: the page downloads the sealed copy and Save opens it
 * (WebCrypto AES-GCM, every segment and root checked) into a download.
 * Reports rates, ratios, each page's time to its first verified piece, and the first page's
 * memory while it downloads: the renderer's peak RSS (worker included) and peak JS heap, which must
 * stay far below the file's size (pieces go to OPFS, the file is never held in memory).
 */
import { readFile, readdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import type { Page } from 'playwright-core'
import { startPageServer } from '../../src/api/page-server.js'
import { webLinkOf } from '../../src/api/web-link.js'
import { formatLink } from '../../src/content/link.js'
import { isWebSocketsAddr } from '../../src/net/websockets.js'
import { createNode, type ShoalNode } from '../../src/node/node.js'
import { ensureChromium, launchChromium, type TestBrowser } from '../../test/helpers/browser.js'
import { inNamespace, namespaceSkipReason, runInNamespace } from '../../test/helpers/netns.js'
import { usePickers, WEBRTC_ARGS } from '../../test/helpers/page.js'
import { mbPerSecond, MIB, writeRandomFile } from '../lib/files.js'

export interface PagePageResult {
  MBps: number
  firstPieceMs: number
  /** page ← page / page ← node, same run. */
  ratio: number
  firstPieceRatio: number
  /** Bytes the second page got from the first (all of them, or the run proves nothing). */
  fromPageA: number
}

export interface SecretResult {
  /** The sealed copy's download, until the page has opened its inner manifest. */
  MBps: number
  /** Save of the opened file (each segment opened with WebCrypto, checked, built into a Blob). */
  openMBps: number
  /** Secret download / plain page ← node, same run. */
  ratio: number
}

export interface BrowserResult {
  bytes: number
  pageMBps: number
  nodeMBps: number
  /** page / node, same run. */
  ratio: number
  firstPieceMs: number
  rendererPeakMiB: number
  jsHeapPeakMiB: number
  /** Whether this ran in a network namespace of its own (then 127.0.0.1 is the namespace's). */
  namespace: boolean
  pagePage?: PagePageResult
  pagePageSkipped?: string
  /** A secret link (#k=) of the same size, opened in the page. */
  secret?: SecretResult
  skipped?: string
}

const SAMPLE_MS = 200
const DONE_TIMEOUT_MS = 600_000
/** The whole scenario in the namespace: a node get and two page downloads of up to 256 MiB, on a loaded machine. */
const NAMESPACE_RUN_TIMEOUT_MS = 4 * DONE_TIMEOUT_MS
/** Marks the result line of the run in the namespace. */
const RESULT_MARK = 'browser-bench-result '

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

interface PageRun { MBps: number, firstPieceMs: number, rendererPeakMiB: number, jsHeapPeakMiB: number, page: Page }

/** Opens `link` in a new tab of `browser` and samples it until it is done. */
async function pageDownload (browser: TestBrowser, link: string, bytes: number): Promise<PageRun> {
  const page = await browser.context.newPage()
  const cdp = await browser.context.newCDPSession(page)
  await cdp.send('Performance.enable')
  let rendererPeakMiB = 0
  let jsHeapPeakMiB = 0
  let firstPieceMs = 0
  const started = Date.now()
  await page.goto(link)
  for (;;) {
    const [phase, verified] = await page.evaluate(() => [document.body.dataset.phase, Number(document.body.dataset.verified ?? 0)] as const)
    if (firstPieceMs === 0 && (verified > 0 || phase === 'done')) firstPieceMs = Date.now() - started
    const metrics = await cdp.send('Performance.getMetrics')
    const heap = metrics.metrics.find(m => m.name === 'JSHeapUsedSize')?.value ?? 0
    jsHeapPeakMiB = Math.max(jsHeapPeakMiB, heap / MIB)
    rendererPeakMiB = Math.max(rendererPeakMiB, await rendererRssMiB(browser.profile))
    if (phase === 'done') break
    if (phase === 'error') throw new Error(`the page failed: ${await page.textContent('#status') ?? ''}`)
    if (Date.now() - started > DONE_TIMEOUT_MS) throw new Error('the page did not finish in time')
    await new Promise(resolve => setTimeout(resolve, SAMPLE_MS))
  }
  return { MBps: mbPerSecond(bytes, (Date.now() - started) / 1000), firstPieceMs, rendererPeakMiB, jsHeapPeakMiB, page }
}

/** The first page's WebRTC addresses (through the relay), once it has one. */
async function webRtcAddrs (page: Page): Promise<string[]> {
  await page.waitForFunction(() => JSON.parse(document.body.dataset.addrs ?? '[]').length > 0, undefined, { timeout: DONE_TIMEOUT_MS })
  return JSON.parse(await page.evaluate(() => document.body.dataset.addrs ?? '[]')) as string[]
}

/** The same bytes shared with --secret: the page downloads the sealed copy, then Save opens it. */
async function secretRun (browser: TestBrowser, seeder: ShoalNode, pageUrl: string, path: string, bytes: number, plainMBps: number): Promise<SecretResult> {
  const shared = await seeder.share(path, { secret: true })
  const run = await pageDownload(browser, webLinkOf(shared.link, seeder.addrs(), pageUrl) as string, bytes)
  const started = Date.now()
  const [saved] = await Promise.all([run.page.waitForEvent('download', { timeout: DONE_TIMEOUT_MS }), run.page.click('#save')])
  const openMBps = mbPerSecond(bytes, (Date.now() - started) / 1000)
  await saved.delete()
  await run.page.close()
  await seeder.removeContent(shared.cid)
  return { MBps: run.MBps, openMBps, ratio: run.MBps / plainMBps }
}

async function measure (chromiumPath: string, options: { quick: boolean, pagePage: boolean }): Promise<BrowserResult> {
  const bytes = (options.quick ? 64 : 256) * MIB
  const dir = await mkdtemp(join(tmpdir(), 'shoal-bench-browser-'))
  const listen = ['/ip4/127.0.0.1/tcp/0']
  // For page ← page the seeder is a public node: it runs the relay the pages signal through.
  const reach = options.pagePage ? { reachability: 'public' as const } : false
  const seeder = await createNode({ dataDir: join(dir, 'seeder'), listen, mdns: false, reach })
  const getter = await createNode({ dataDir: join(dir, 'getter'), listen, mdns: false, reach: false })
  const server = await startPageServer('127.0.0.1', 0)
  const args = options.pagePage ? WEBRTC_ARGS : []
  const browsers: TestBrowser[] = []
  try {
    const path = join(dir, 'big.bin')
    await writeRandomFile(path, bytes)
    const shared = await seeder.share(path)

    const started = Date.now()
    await getter.get(shared.link, { output: join(dir, 'out'), timeoutMs: DONE_TIMEOUT_MS })
    const nodeMBps = mbPerSecond(bytes, (Date.now() - started) / 1000)
    await getter.stop()

    const ws = seeder.addrs().filter(isWebSocketsAddr).map(a => multiaddr(a))
    browsers.push(await launchChromium(chromiumPath, undefined, args))
    await usePickers((browsers[0] as TestBrowser).context, 'none')
    const a = await pageDownload(browsers[0] as TestBrowser, `${server.url}#${formatLink({ cid: CID.parse(shared.cid), peers: ws })}`, bytes)
    const result: BrowserResult = {
      bytes, pageMBps: a.MBps, nodeMBps, ratio: a.MBps / nodeMBps, firstPieceMs: a.firstPieceMs,
      rendererPeakMiB: a.rendererPeakMiB, jsHeapPeakMiB: a.jsHeapPeakMiB, namespace: inNamespace()
    }
    result.secret = await secretRun(browsers[0] as TestBrowser, seeder, server.url, path, bytes, a.MBps)
    if (!options.pagePage) return result

    const addrs = await webRtcAddrs(a.page)
    const pageA = await a.page.evaluate(() => document.body.dataset.peerId) as string
    // From now on only page A has the content: the seeder just relays.
    await seeder.removeContent(shared.cid)
    browsers.push(await launchChromium(chromiumPath, undefined, args))
    const b = await pageDownload(browsers[1] as TestBrowser, `${server.url}#${formatLink({ cid: CID.parse(shared.cid), peers: addrs.map(x => multiaddr(x)) })}`, bytes)
    const sources = JSON.parse(await b.page.evaluate(() => document.body.dataset.sources ?? '{}')) as Record<string, number>
    const fromPageA = sources[pageA] ?? 0
    if (fromPageA !== bytes) throw new Error(`page B got ${fromPageA} of ${bytes} bytes from page A: ${JSON.stringify(sources)}`)
    result.pagePage = { MBps: b.MBps, firstPieceMs: b.firstPieceMs, ratio: b.MBps / a.MBps, firstPieceRatio: b.firstPieceMs / a.firstPieceMs, fromPageA }
    return result
  } finally {
    for (const browser of browsers) await browser.close()
    await server.close()
    await getter.stop().catch(() => {})
    await seeder.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

export async function browserBench (options: { quick: boolean }): Promise<BrowserResult> {
  const chromium = ensureChromium()
  if ('skip' in chromium) {
    return { bytes: 0, pageMBps: 0, nodeMBps: 0, ratio: 0, firstPieceMs: 0, rendererPeakMiB: 0, jsHeapPeakMiB: 0, namespace: false, skipped: chromium.skip }
  }
  const cannot = namespaceSkipReason()
  if (cannot !== undefined) return { ...await measure(chromium.path, { ...options, pagePage: false }), pagePageSkipped: cannot }
  const run = runInNamespace([fileURLToPath(import.meta.url), chromium.path, ...(options.quick ? ['--quick'] : [])], NAMESPACE_RUN_TIMEOUT_MS)
  const line = run.stdout?.split('\n').find(l => l.startsWith(RESULT_MARK))
  if (run.status !== 0 || line === undefined) throw new Error(`the browser benchmark in its network namespace failed (${run.status ?? run.signal ?? run.error?.message}):\n${run.stdout}\n${run.stderr}`)
  return JSON.parse(line.slice(RESULT_MARK.length)) as BrowserResult
}

// Run as a program (in the namespace): measure both and print the result on one line.
if (inNamespace() && process.argv[1] === fileURLToPath(import.meta.url)) {
  const [chromiumPath, ...flags] = process.argv.slice(2)
  const result = await measure(chromiumPath as string, { quick: flags.includes('--quick'), pagePage: true })
  console.log(RESULT_MARK + JSON.stringify(result))
  // Libp2p timers of the stopped nodes must not keep the run alive.
  process.exit(0)
}
