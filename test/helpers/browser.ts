/**
 * Headless Chromium for the dashboard tests, through playwright-core and the distribution's own
 * `chromium` package (Playwright's browser downloads are not used). On a clean machine the
 * package is installed with apt when we are root; otherwise the test is skipped with the reason.
 */
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext } from 'playwright-core'
import { ensureDebianPackage, INSTALL_TIMEOUT_MS } from './debian.js'

/** Where Debian's chromium package puts the browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium'
/** What a browser test must allow for a first-time install on top of its own work. */
export const INSTALL_ALLOWANCE_MS = 2 * INSTALL_TIMEOUT_MS
/** Launching the browser may take this long. */
export const LAUNCH_TIMEOUT_MS = 60_000

/** Flags for a quiet, isolated headless Chromium that only talks to loopback. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage'
]

export type ChromiumCheck = { path: string } | { skip: string }

let checked: ChromiumCheck | undefined

/**
 * The browser's path, installing Debian's `chromium` if it is missing and we may; else why not.
 * Asked once per process: a failed install is not tried again by every test of a file.
 */
export function ensureChromium (): ChromiumCheck {
  checked ??= findChromium()
  return checked
}

function findChromium (): ChromiumCheck {
  const override = process.env.SHOAL_CHROMIUM
  if (override !== undefined && existsSync(override)) return { path: override }
  if (existsSync(CHROMIUM_PATH)) return { path: CHROMIUM_PATH }
  const missing = ensureDebianPackage(CHROMIUM_PATH, 'chromium')
  return missing === undefined ? { path: CHROMIUM_PATH } : { skip: `${missing} (or set SHOAL_CHROMIUM to a Chromium binary)` }
}

/** A running headless browser with a fresh profile; `close()` removes the profile too. */
export interface TestBrowser { context: BrowserContext, close: () => Promise<void>, /** The profile folder (in the browser's command line). */ profile: string }

/** `extraArgs`: more Chromium flags (e.g. a host resolver rule for a test origin). */
export async function launchChromium (executablePath: string, viewport = { width: 1440, height: 900 }, extraArgs: string[] = []): Promise<TestBrowser> {
  const profile = await mkdtemp(join(tmpdir(), 'shoal-chromium-'))
  // Playwright passes the profile as --user-data-dir itself.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    timeout: LAUNCH_TIMEOUT_MS,
    args: [...CHROMIUM_ARGS, ...extraArgs],
    viewport,
    deviceScaleFactor: 1
  })
  return {
    context,
    profile,
    close: async () => {
      await context.close().catch(() => {})
      await rm(profile, { recursive: true, force: true }).catch(() => {})
    }
  }
}
