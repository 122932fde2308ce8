import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { API_FILE, TOKEN_BYTES, TOKEN_FILE } from './constants.js'
import { isAlive } from '../net/data-dir.js'

/** What a running daemon writes to `<dataDir>/api.json` so the CLI can find it. */
export interface ApiFile {
  url: string
  pid: number
  peerId: string
  startedAt: number
}

/** A daemon the CLI can talk to: its API base URL and the token every call needs. */
export interface DaemonAddress {
  url: string
  token: string
  pid: number
}

const TOKEN_PATTERN = /^[0-9a-f]{32,128}$/

/** The API token of this data directory, created (random, readable by the owner only) on first use. */
export async function loadOrCreateToken (dataDir: string): Promise<string> {
  const file = join(dataDir, TOKEN_FILE)
  const existing = (await readFile(file, 'utf8').catch(() => '')).trim()
  if (TOKEN_PATTERN.test(existing)) return existing
  const token = randomBytes(TOKEN_BYTES).toString('hex')
  await writeAtomically(file, token + '\n')
  return token
}

export async function writeApiFile (dataDir: string, info: ApiFile): Promise<void> {
  await writeAtomically(join(dataDir, API_FILE), JSON.stringify(info) + '\n')
}

export async function removeApiFile (dataDir: string): Promise<void> {
  await rm(join(dataDir, API_FILE), { force: true })
}

/**
 * The daemon serving `dataDir`, if its files say one runs and its process is alive. Read
 * synchronously: every command asks this first, and a process's first asynchronous reads cost a
 * cold `get` ~8 ms (docs/benchmarks.md, round 9).
 */
export async function readDaemonAddress (dataDir: string): Promise<DaemonAddress | undefined> {
  try {
    const info = JSON.parse(readFileSync(join(dataDir, API_FILE), 'utf8')) as Partial<ApiFile>
    const token = readFileSync(join(dataDir, TOKEN_FILE), 'utf8').trim()
    if (typeof info.url !== 'string' || typeof info.pid !== 'number' || !TOKEN_PATTERN.test(token)) return undefined
    if (!isAlive(info.pid)) return undefined
    return { url: info.url, token, pid: info.pid }
  } catch {
    return undefined
  }
}

/** `http://127.0.0.1:5110/#token=…`: the fragment never leaves the browser, the page reads it. */
export function dashboardUrl (address: { url: string, token: string }): string {
  return `${address.url}/#token=${address.token}`
}

/** Writes a file readable by its owner only, replacing any older one in a single rename. */
export async function writeAtomically (file: string, text: string): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`
  await writeFile(temp, text, { mode: 0o600 })
  await rename(temp, file)
}
