/**
 * Helpers for the web page's tests (src/browser/ in headless Chromium): a swarm, the page server
 * and a browser with one tab; web links; waiting for the page to finish; its Save button.
 */
import type { TestContext } from 'node:test'
import * as assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import type { BrowserContext, Page } from 'playwright-core'
import { startPageServer, type PageServer } from '../../src/api/page-server.js'
import { formatLink } from '../../src/content/link.js'
import { isWebSocketsAddr } from '../../src/net/websockets.js'
import { ensureChromium, INSTALL_ALLOWANCE_MS, launchChromium } from './browser.js'
import { TestSwarm } from './swarm.js'

/** The page's download and the browser's start, on a loaded machine. */
export const PAGE_TIMEOUT_MS = 120_000
export const TEST_TIMEOUT_MS = 2 * PAGE_TIMEOUT_MS + INSTALL_ALLOWANCE_MS
/** Headless Chromium hides host candidates behind mDNS names it then cannot resolve. */
export const WEBRTC_ARGS = ['--disable-features=WebRtcHideLocalIpsWithMdns']

export interface Rig { swarm: TestSwarm, server: PageServer, page: Page, errors: string[] }

/**
 * The browser's file pickers, which a headless browser cannot show: `none` takes them away (Save
 * hands the file over as a download, as in browsers without them); `opfs` answers every pick with
 * a file or folder under `picked/` in the origin's private file system, which `pickedHash` reads.
 */
export type Pickers = 'none' | 'opfs'

/** Applies `pickers` to every page of a browser context opened from now on. */
export async function usePickers (context: BrowserContext, pickers: Pickers): Promise<void> {
  await context.addInitScript(pickerScript(pickers))
}

function pickerScript (pickers: Pickers): string {
  if (pickers === 'none') return "for (const name of ['showSaveFilePicker', 'showDirectoryPicker']) Object.defineProperty(window, name, { value: undefined, configurable: true })"
  return `const picked = async () => await (await navigator.storage.getDirectory()).getDirectoryHandle('picked', { create: true })
    Object.defineProperty(window, 'showSaveFilePicker', { configurable: true, value: async (o) => await (await picked()).getFileHandle(o?.suggestedName ?? 'unnamed', { create: true }) })
    Object.defineProperty(window, 'showDirectoryPicker', { configurable: true, value: picked })`
}

/** A swarm, the page server and a fresh headless Chromium with one tab; undefined (skipped) without Chromium. */
export async function rig (t: TestContext, chromiumArgs: string[] = [], pickers: Pickers = 'none'): Promise<Rig | undefined> {
  const chromium = ensureChromium()
  if ('skip' in chromium) {
    t.skip(chromium.skip)
    return undefined
  }
  const swarm = new TestSwarm()
  t.after(async () => await swarm.cleanup())
  const server = await startPageServer('127.0.0.1', 0)
  t.after(async () => await server.close())
  const browser = await launchChromium(chromium.path, undefined, chromiumArgs)
  t.after(async () => await browser.close())
  await usePickers(browser.context, pickers)
  const page = await browser.context.newPage()
  const errors: string[] = []
  page.on('pageerror', err => errors.push(err.message))
  return { swarm, server, page, errors }
}

/** A self-signed certificate for 127.0.0.1 (openssl), as `--ws-cert`/`--ws-key` files; undefined without openssl. */
export async function selfSignedCert (swarm: TestSwarm): Promise<{ certFile: string, keyFile: string } | undefined> {
  const dir = await swarm.dir('tls')
  const certFile = join(dir, 'cert.pem')
  const keyFile = join(dir, 'key.pem')
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore', timeout: 30_000 })
  return made.status === 0 ? { certFile, keyFile } : undefined
}

/** The web link naming these peers by their WebSockets addresses. */
export function webLink (server: PageServer, cid: string, peers: Array<{ addrs: () => string[] }>): string {
  const addrs = peers.flatMap(p => p.addrs()).filter(isWebSocketsAddr)
  return `${server.url}#${formatLink({ cid: CID.parse(cid), peers: addrs.map(a => multiaddr(a)) })}`
}

/** Opens the link and waits for the page to say it is done (or failed); returns its status line. */
export async function download (r: Rig, link: string): Promise<string> {
  await r.page.goto(link)
  return await finished(r)
}

/** Waits for the page to say it is done (or failed); returns its status line. */
export async function finished ({ page, errors }: Rig): Promise<string> {
  await page.waitForFunction(() => document.body.dataset.phase === 'done' || document.body.dataset.phase === 'error', undefined, { timeout: PAGE_TIMEOUT_MS })
  const status = await page.textContent('#status') ?? ''
  assert.equal(await page.evaluate(() => document.body.dataset.phase), 'done', `page says: ${status}; errors: ${errors.join('; ')}`)
  return status
}

/** Clicks Save and stores what the browser hands over; returns its path. */
export async function save ({ page, swarm }: Rig, name: string): Promise<string> {
  const [saved] = await Promise.all([page.waitForEvent('download', { timeout: PAGE_TIMEOUT_MS }), page.click('#save')])
  assert.equal(saved.suggestedFilename(), name)
  const path = join(await swarm.dir('saved'), name)
  await saved.saveAs(path)
  return path
}

/** SHA-256 (hex) of what the page saved through an `opfs` picker at `picked/<path>`. */
export async function pickedHash (page: Page, path: string): Promise<string> {
  return await page.evaluate(async (path: string) => {
    let dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('picked')
    const parts = path.split('/')
    for (const part of parts.slice(0, -1)) dir = await dir.getDirectoryHandle(part)
    const file = await (await dir.getFileHandle(parts.at(-1) as string)).getFile()
    const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer())
    return [...new Uint8Array(digest)].map(b => b.toString(16).padStart(2, '0')).join('')
  }, path)
}

/** Waits until the page says it saved `files` files (or why it could not). */
export async function savedFiles (page: Page, files: number): Promise<void> {
  await page.waitForFunction(n => Number(document.body.dataset.saved ?? 0) >= n || document.body.dataset.saveError !== undefined, files, { timeout: PAGE_TIMEOUT_MS })
  assert.equal(await page.evaluate(() => document.body.dataset.saveError), undefined, 'saving failed')
}
