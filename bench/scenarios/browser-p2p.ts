/**
 * `npm run bench -- browser-p2p`: page ← page over WebRTC against page ← node over WebSockets, in
 * the same run. A public node (the relay pages signal WebRTC through) shares a file; page A gets
 * it from the node over WebSockets; the node then drops the content, and page B, given only page
 * A's `/p2p-circuit/webrtc` address, gets it from A alone. Headless Chromium gathers WebRTC host
 * candidates only on a non-loopback interface with a default route, so (as its test does) the
 * scenario runs itself again in a network namespace of its own (root, `unshare -n`): a veth whose
 * default route leads nowhere, every packet staying in it.
 */
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import type { Page } from 'playwright-core'
import { startPageServer } from '../../src/api/page-server.js'
import { formatLink } from '../../src/content/link.js'
import { isWebSocketsAddr } from '../../src/net/websockets.js'
import { createNode } from '../../src/node/node.js'
import { ensureChromium, launchChromium } from '../../test/helpers/browser.js'
import { mbPerSecond, MIB, writeRandomFile } from '../lib/files.js'

export interface BrowserP2pResult {
  bytes: number
  /** Page A from the node over WebSockets; page B from page A over WebRTC; MB/s. */
  fromNodeMBps: number
  fromPageMBps: number
  /** page ← page / page ← node, same run. */
  ratio: number
  /** ms from opening the link to the first verified piece. */
  fromNodeFirstPieceMs: number
  fromPageFirstPieceMs: number
  /** Bytes page B got from page A (all of them, when the node served nothing). */
  fromPageA: number
  skipped?: string
}

const IN_NAMESPACE = 'SHOAL_BENCH_IN_NETNS'
const NAMESPACE_SETUP = [
  'ip link set lo up',
  'ip link add shoal0 type veth peer name shoal1',
  'ip addr add 198.18.0.1/24 dev shoal0',
  'ip link set shoal0 up',
  'ip link set shoal1 up',
  'ip route add default dev shoal0'
].join(' && ')
const WEBRTC_ARGS = ['--disable-features=WebRtcHideLocalIpsWithMdns']
const DONE_TIMEOUT_MS = 600_000
const RUN_JS = fileURLToPath(new URL('../run.js', import.meta.url))

/** Outside the namespace: installs Chromium if needed, then runs the scenario inside one and reads its result. */
export async function browserP2pBench (options: { quick: boolean }): Promise<BrowserP2pResult> {
  const bytes = (options.quick ? 16 : 64) * MIB
  const none = (skipped: string): BrowserP2pResult => ({ bytes, fromNodeMBps: 0, fromPageMBps: 0, ratio: 0, fromNodeFirstPieceMs: 0, fromPageFirstPieceMs: 0, fromPageA: 0, skipped })
  if (process.env[IN_NAMESPACE] === '1') return await measure(bytes)
  const chromium = ensureChromium() // out here: the namespace has no network
  if ('skip' in chromium) return none(chromium.skip)
  if (process.getuid?.() !== 0) return none('needs root for a network namespace (unshare -n)')
  const run = spawnSync('unshare', ['-n', 'sh', '-c', `${NAMESPACE_SETUP} && exec "$0" "$1" browser-p2p ${options.quick ? '--quick' : ''}`, process.execPath, RUN_JS], {
    env: { ...process.env, [IN_NAMESPACE]: '1' }, encoding: 'utf8', timeout: DONE_TIMEOUT_MS * 2
  })
  const line = run.stdout.split('\n').find(l => l.startsWith('{"browserP2p"'))
  if (run.status !== 0 || line === undefined) throw new Error(`browser-p2p in its namespace failed: ${run.stdout.slice(-800)}\n${run.stderr.slice(-800)}`)
  return JSON.parse(line).browserP2p as BrowserP2pResult
}

/** Inside the namespace. */
async function measure (bytes: number): Promise<BrowserP2pResult> {
  const chromium = ensureChromium() as { path: string }
  const dir = await mkdtemp(join(tmpdir(), 'shoal-bench-browser-p2p-'))
  const relay = await createNode({ dataDir: join(dir, 'relay'), listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, reach: { reachability: 'public' } })
  const server = await startPageServer('127.0.0.1', 0)
  const browsers = [await launchChromium(chromium.path, undefined, WEBRTC_ARGS), await launchChromium(chromium.path, undefined, WEBRTC_ARGS)]
  try {
    const path = join(dir, 'big.bin')
    await writeRandomFile(path, bytes)
    const shared = await relay.share(path)
    const cid = CID.parse(shared.cid)
    const pageA = await browsers[0]!.context.newPage()
    const ws = relay.addrs().filter(isWebSocketsAddr).map(a => multiaddr(a))
    const a = await timedDownload(pageA, `${server.url}#${formatLink({ cid, peers: ws })}`, bytes)
    await pageA.waitForFunction(() => JSON.parse(document.body.dataset.addrs ?? '[]').length > 0, undefined, { timeout: DONE_TIMEOUT_MS })
    const addrs = JSON.parse(await pageA.evaluate(() => document.body.dataset.addrs ?? '[]')) as string[]
    const idA = await pageA.evaluate(() => document.body.dataset.peerId) as string
    // From now on only page A has the content: the node only relays the signalling.
    await relay.removeContent(shared.cid)
    const pageB = await browsers[1]!.context.newPage()
    const b = await timedDownload(pageB, `${server.url}#${formatLink({ cid, peers: addrs.map(x => multiaddr(x)) })}`, bytes)
    const sources = JSON.parse(await pageB.evaluate(() => document.body.dataset.sources ?? '{}')) as Record<string, number>
    const result: BrowserP2pResult = {
      bytes,
      fromNodeMBps: a.mbps,
      fromPageMBps: b.mbps,
      ratio: b.mbps / a.mbps,
      fromNodeFirstPieceMs: a.firstPieceMs,
      fromPageFirstPieceMs: b.firstPieceMs,
      fromPageA: sources[idA] ?? 0
    }
    console.log(JSON.stringify({ browserP2p: result }))
    return result
  } finally {
    for (const browser of browsers) await browser.close()
    await server.close()
    await relay.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

async function timedDownload (page: Page, link: string, bytes: number): Promise<{ mbps: number, firstPieceMs: number }> {
  const started = Date.now()
  let firstPieceMs = 0
  await page.goto(link)
  for (;;) {
    const [phase, verified] = await page.evaluate(() => [document.body.dataset.phase, Number(document.body.dataset.verified ?? 0)] as const)
    if (firstPieceMs === 0 && (verified > 0 || phase === 'done')) firstPieceMs = Date.now() - started
    if (phase === 'done') break
    if (phase === 'error') throw new Error(`the page failed: ${await page.textContent('#status') ?? ''}`)
    if (Date.now() - started > DONE_TIMEOUT_MS) throw new Error('the page did not finish in time')
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  return { mbps: mbPerSecond(bytes, (Date.now() - started) / 1000), firstPieceMs }
}
