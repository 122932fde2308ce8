/**
 * BitTorrent as the flash crowd's baseline: `mktorrent` makes the .torrent, the benchmark's own
 * announce handler (tracker.ts) runs on the seeder's lab host, aria2c seeds there and N aria2c
 * leechers start at once on the other hosts, through the same lab links as Shoal's crowd. Only
 * the tracker finds peers: DHT, local peer discovery and peer exchange are off, so no traffic
 * leaves the lab. Each leecher keeps seeding after it has the file (what a BitTorrent client
 * does by default), until the last one has it.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { promisify } from 'node:util'
import { ensureDebianPackage } from '../../test/helpers/debian.js'
import { ARIA2C, aria2Missing } from './aria2.js'
import { inHost, labIp } from './netlab.js'
import { cpuSecondsOf, startBackground } from './proc.js'
import { ROOT } from './shoal-cli.js'

const run = promisify(execFile)

export const MKTORRENT = '/usr/bin/mktorrent'
const TRACKER = join(ROOT, 'dist', 'bench', 'lib', 'tracker.js')
/** 2^18 = 256 KiB pieces: mktorrent's default, and what BitTorrent clients pick for tens of MiB. */
const PIECE_LENGTH_LOG2 = '18'
const LISTEN_PORT = '6881'
/** How long the seeder may take to announce itself, and how often the leechers' completion is polled. */
const SEEDER_READY_MS = 30_000
const POLL_MS = 100

let checked: string | undefined | null = null

/** Undefined once aria2c and mktorrent can run (installed from Debian when missing and root); else why not. */
export function bittorrentMissing (): string | undefined {
  if (checked === null) checked = aria2Missing() ?? ensureDebianPackage(MKTORRENT, 'mktorrent')
  return checked
}

export interface BittorrentCrowd {
  /** From starting the N leechers until the last had the whole file (aria2's completion hook). */
  seconds: number
  /** Every leecher's copy has the original's bytes. */
  identical: boolean
  seederCpuSeconds: number
  leechersCpuSeconds: number
}

/** aria2c options shared by the seeder and the leechers: the lab's tracker only, quiet, no allocation. */
function aria2Common (): string[] {
  return ['--enable-dht=false', '--enable-dht6=false', '--bt-enable-lpd=false', '--enable-peer-exchange=false',
    '--disable-ipv6=true', '--listen-port=' + LISTEN_PORT, '--bt-max-peers=0', '--seed-ratio=0.0',
    '--file-allocation=none', '--allow-overwrite=true', '--auto-file-renaming=false', '--summary-interval=0',
    '--console-log-level=warn', '--enable-color=false', '--stop-with-process=' + String(process.pid)]
}

/** The same crowd as Shoal's: `seedHost` serves `file` to `hosts` at once; resolves when all have it, verified. */
export async function aria2Crowd (file: string, seedHost: string, hosts: string[], dir: string, sha256Of: (path: string) => Promise<string>, timeoutMs: number): Promise<BittorrentCrowd> {
  const work = join(dir, 'bt')
  await mkdir(work, { recursive: true })
  const seedIp = await labIp(seedHost)
  const [trackerCmd, trackerArgs] = inHost(seedHost, process.execPath, [TRACKER, seedIp])
  const tracker = startBackground(trackerCmd, trackerArgs, /^http:/)
  const children: ChildProcess[] = []
  try {
    const announce = (await tracker.firstLine).trim()
    const announced = new Set<string>()
    createInterface({ input: tracker.child.stdout! }).on('line', line => { if (line.startsWith('announce ')) announced.add(line.split(' ')[1]?.split(':')[0] ?? '') })
    const torrent = join(work, 'payload.torrent')
    await run(MKTORRENT, ['-l', PIECE_LENGTH_LOG2, '-a', announce, '-o', torrent, file])
    children.push(startAria2(seedHost, [...aria2Common(), '--bt-seed-unverified=true', '-d', dirname(file), torrent]))
    await until(() => announced.has(seedIp), SEEDER_READY_MS, 'the aria2 seeder did not announce itself')
    // aria2 passes the hook GID, file count and path: the marker beside the file holds the time it completed.
    const hook = join(work, 'completed.sh')
    await writeFile(hook, '#!/bin/sh\ndate +%s%3N > "$3.completed"\n')
    await chmod(hook, 0o755)
    const copies = hosts.map(host => join(work, host, basename(file)))
    const start = Date.now()
    hosts.forEach(host => children.push(startAria2(host, [...aria2Common(), '--on-bt-download-complete=' + hook, '-d', join(work, host), torrent])))
    await until(() => {
      const dead = children.find(c => c.exitCode !== null)
      if (dead !== undefined) throw new Error(`an aria2c exited ${dead.exitCode} before the crowd had the file`)
      return copies.every(copy => existsSync(`${copy}.completed`))
    }, timeoutMs, 'the aria2 leechers did not all complete')
    const completedAt = await Promise.all(copies.map(async copy => Number((await readFile(`${copy}.completed`, 'utf8')).trim())))
    const cpu = children.map(c => cpuSecondsOf(c.pid as number))
    const original = await sha256Of(file)
    const hashes = await Promise.all(copies.map(sha256Of))
    return {
      seconds: (Math.max(...completedAt) - start) / 1000,
      identical: hashes.every(h => h === original),
      seederCpuSeconds: cpu[0] ?? Number.NaN,
      leechersCpuSeconds: cpu.slice(1).reduce((sum, s) => sum + s, 0)
    }
  } finally {
    await Promise.all(children.map(stopChild))
    await tracker.stop()
  }
}

function startAria2 (host: string, args: string[]): ChildProcess {
  const [cmd, argv] = inHost(host, ARIA2C, args)
  const child = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'] })
  child.stderr?.resume()
  return child
}

async function until (done: () => boolean, timeoutMs: number, message: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${message} within ${timeoutMs / 1000} s`)
    await new Promise(resolve => setTimeout(resolve, POLL_MS))
  }
}

async function stopChild (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise(resolve => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
  await exited
  clearTimeout(timer)
}
