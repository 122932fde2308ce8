/**
 * The web dashboard end to end, in headless Chromium (playwright-core + the distribution's
 * chromium): a person shares a folder by path and a file by dropping it, pastes a link, watches
 * the download's piece map fill in from several peers, pauses and resumes it, and it completes.
 * A screenshot of the live transfer is checked (not blank, the piece map coloured by peer) and,
 * with SHOAL_SCREENSHOT_DIR set, saved there (docs/dashboard.png in the README comes from it).
 */
import { test, type TestContext } from 'node:test'
import * as assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { hashFile, linkVia, MiB, TestSwarm, waitFor, writeRandomFile } from '../helpers/swarm.js'
import { startDaemon } from '../helpers/daemon.js'
import { ensureChromium, INSTALL_ALLOWANCE_MS, launchChromium } from '../helpers/browser.js'

/* Browser globals used inside page.evaluate() callbacks: the project compiles without the DOM lib. */
declare const document: any
declare const location: any
declare const Image: any
declare const DataTransfer: any
declare function getComputedStyle (element: unknown): any

/** 32 MiB (1024 pieces of 32 KiB) from three seeders at 1 MiB/s each: ten seconds or more. */
const SIZE = 32 * MiB
const SEEDER_UPLOAD = 1024 * 1024
/** Bound on waiting for one thing to show on the page. */
const UI_TIMEOUT_MS = 30_000

/** A daemon on a test swarm and a browser, torn down after the test; undefined (skipped) without Chromium. */
async function dashboardFixture (t: TestContext): Promise<{ swarm: TestSwarm, d: Awaited<ReturnType<typeof startDaemon>>, browser: Awaited<ReturnType<typeof launchChromium>> } | undefined> {
  const chromium = ensureChromium()
  if ('skip' in chromium) {
    t.skip(chromium.skip)
    return undefined
  }
  const swarm = new TestSwarm()
  const d = await startDaemon(swarm, 'daemon')
  const browser = await launchChromium(chromium.path)
  t.after(async () => {
    await browser.close()
    await d.daemon.stop()
    await swarm.cleanup()
  })
  return { swarm, d, browser }
}

test('the dashboard drives and shows a live swarm', { timeout: INSTALL_ALLOWANCE_MS + 180_000 }, async (t) => {
  const fixture = await dashboardFixture(t)
  if (fixture === undefined) return
  const { swarm, d, browser } = fixture

  const source = join(await swarm.dir('seed'), 'sintel-trailer.mp4')
  const sourceHash = await writeRandomFile(source, SIZE)
  const seeders = []
  for (const name of ['alice', 'bob', 'carol']) {
    const node = await swarm.node(name, { uploadLimit: SEEDER_UPLOAD })
    await node.share(source)
    seeders.push(node)
  }
  const link = linkVia((await seeders[0]!.share(source)).cid, seeders)
  const cid = /^shoal:\/\/([a-z0-9]+)/.exec(link)?.[1] as string
  const album = await swarm.dir('Holiday photos')
  await writeRandomFile(join(album, 'beach.jpg'), 300_000)
  await writeRandomFile(join(album, 'sunset.jpg'), 200_000)

  const page = await browser.context.newPage()
  const problems: string[] = []
  page.on('pageerror', err => problems.push(`page error: ${err.message}`))
  page.on('console', message => { if (message.type() === 'error') problems.push(`console: ${message.text()}`) })
  page.setDefaultTimeout(UI_TIMEOUT_MS)

  await page.goto(d.daemon.dashboardUrl)
  await page.waitForSelector('#live[data-state="live"]')
  assert.equal(await page.evaluate(() => location.hash), '', 'the token stays in the address bar')
  assert.match(await page.textContent('#node-id') ?? '', new RegExp(d.daemon.node.peerId.slice(-6)))

  // Share a folder by its path, and a file by dropping it on the page.
  await page.fill('#path-input', album)
  await page.click('#add-path button[type="submit"]')
  await page.waitForSelector('#library tr .name:text-is("Holiday photos")')
  await dropFile(page, 'notes.txt', 'dropped on the dashboard')
  await page.waitForSelector('#library tr .name:text-is("notes.txt")')
  assert.equal(await readFile(join(d.daemon.uploadsDir, 'notes.txt'), 'utf8'), 'dropped on the dashboard')

  // Paste a link; the download appears and its piece map fills in from the seeders.
  await page.fill('#link-input', link)
  await page.click('#add-link button[type="submit"]')
  const card = `.download[data-cid="${cid}"]`
  await page.waitForSelector(card)
  await page.waitForFunction(selector => {
    const map = document.querySelector(`${selector} .piece-map`) as any
    const done = Number(map?.dataset.done ?? 0)
    return done >= Number(map?.dataset.pieces ?? 1) * 0.3 && Number(map?.dataset.sources ?? 0) >= 2
  }, card)
  // A fourth peer fetches from the daemon, so it uploads too.
  const dan = await swarm.node('dan')
  void dan.get(linkVia(cid, [d.daemon.node]), { output: await swarm.dir('dan'), timeoutMs: 60_000 }).catch(() => {})
  await page.waitForSelector(`#peers tr[data-peer="${dan.peerId}"]`)
  await page.waitForTimeout(1200) // one more stats tick, so the rates include dan

  const state = await page.getAttribute(card, 'data-state')
  // Notices are transient; keep them out of the picture.
  await page.evaluate(() => document.getElementById('toasts').replaceChildren())
  const shot = await page.screenshot({ fullPage: true })
  if (process.env.SHOAL_SCREENSHOT_DIR !== undefined) await writeFile(join(process.env.SHOAL_SCREENSHOT_DIR, 'dashboard.png'), shot)
  assert.equal(state, 'downloading', 'the screenshot was meant to show a live transfer')
  const look = await analysePng(page, shot)
  assert.ok(look.width >= 1200 && look.height >= 800, `screenshot is ${look.width}x${look.height}`)
  assert.ok(look.colours >= 40, `the screenshot has only ${look.colours} colours: blank?`)
  assert.ok(look.nonBackground > 0.2, `only ${Math.round(look.nonBackground * 100)}% of the screenshot differs from the background`)
  const grid = await gridColours(page, card)
  assert.ok(grid.peerColoured >= 2, `the piece map shows ${grid.peerColoured} peer colours`)

  // Pause, then resume; it completes.
  await page.click(`${card} button[title="Pause"]`)
  await page.waitForSelector(`${card}[data-state="paused"]`)
  const pausedAt = Number(await page.getAttribute(`${card} .piece-map`, 'data-done'))
  assert.ok(pausedAt > 0)
  await page.click(`${card} button[title="Resume"]`)
  await page.waitForSelector(`${card}[data-state="done"]`, { timeout: 60_000 })
  await page.waitForFunction(selector => {
    const map = document.querySelector(`${selector} .piece-map`) as any
    return map !== null && map.dataset.done === map.dataset.pieces
  }, card)
  const result = (await d.json(`/api/v1/downloads/${cid}`)).result
  assert.equal(await hashFile(result.path), sourceHash)

  // The rest of the page followed: peers with their traffic, the library, the activity feed.
  await waitFor('three seeders in the peers table', async () => await page.locator('#peers tr').count() >= 3)
  await page.waitForSelector(`#library tr[data-cid="${cid}"] .badge.done`)
  await page.waitForSelector('#activity li .msg:text-is("download finished")')
  assert.deepEqual(problems, [], 'the page logged errors')
})

test('without its token the dashboard asks for it and shows nothing else', { timeout: INSTALL_ALLOWANCE_MS + 120_000 }, async (t) => {
  const fixture = await dashboardFixture(t)
  if (fixture === undefined) return
  const { swarm, d, browser } = fixture
  const page = await browser.context.newPage()
  await page.goto(`${d.daemon.url}/#token=${'0'.repeat(48)}`)
  await page.waitForSelector('#locked', { state: 'visible', timeout: UI_TIMEOUT_MS })
  assert.equal(await page.textContent('#node-id'), '…', 'node details shown without the token')
})

/** Drops a file on the page the way a browser does (a drop event carrying a DataTransfer). */
async function dropFile (page: Page, name: string, text: string): Promise<void> {
  const transfer = await page.evaluateHandle(([n, t]) => {
    const data = new DataTransfer()
    data.items.add(new File([t as string], n as string, { type: 'text/plain' }))
    return data
  }, [name, text])
  await page.dispatchEvent('body', 'dragenter', { dataTransfer: transfer })
  await page.dispatchEvent('body', 'drop', { dataTransfer: transfer })
}

/** Decodes the PNG in the page: size, distinct colours (coarsely), share of pixels unlike the background. */
async function analysePng (page: Page, png: Buffer): Promise<{ width: number, height: number, colours: number, nonBackground: number }> {
  return await page.evaluate(async (base64) => {
    const img = new Image()
    img.src = `data:image/png;base64,${base64}`
    await img.decode()
    const canvas = document.createElement('canvas')
    canvas.width = img.width
    canvas.height = img.height
    const ctx = canvas.getContext('2d') as any
    ctx.drawImage(img, 0, 0)
    const { data } = ctx.getImageData(0, 0, img.width, img.height)
    const colours = new Set<number>()
    const background = [data[0], data[1], data[2]] as number[]
    let differ = 0
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b] = [data[i] as number, data[i + 1] as number, data[i + 2] as number]
      colours.add(((r >> 4) << 8) | ((g >> 4) << 4) | (b >> 4))
      if (Math.abs(r - background[0]!) + Math.abs(g - background[1]!) + Math.abs(b - background[2]!) > 24) differ++
    }
    return { width: img.width, height: img.height, colours: colours.size, nonBackground: differ / (data.length / 4) }
  }, png.toString('base64'))
}

/** How many of the legend's peer colours appear in the piece map's canvas. */
async function gridColours (page: Page, card: string): Promise<{ peerColoured: number }> {
  return await page.evaluate((selector) => {
    const canvas = document.querySelector(`${selector} .piece-grid`) as any
    const { data } = (canvas.getContext('2d') as any).getImageData(0, 0, canvas.width, canvas.height)
    const seen = new Set<string>()
    for (let i = 0; i < data.length; i += 4) seen.add(`${data[i] as number},${data[i + 1] as number},${data[i + 2] as number}`)
    const swatches = [...document.querySelectorAll(`${selector} .legend-item[title] .swatch`)] as any[]
    const found = swatches.filter(s => {
      const m = /rgb\((\d+), (\d+), (\d+)\)/.exec(getComputedStyle(s).backgroundColor)
      return m !== null && seen.has(`${m[1] as string},${m[2] as string},${m[3] as string}`)
    })
    return { peerColoured: found.length }
  }, card)
}
