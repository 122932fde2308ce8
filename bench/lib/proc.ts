import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'

/** Clock ticks per second for /proc/<pid>/stat (USER_HZ is 100 on Linux). */
const CLK_TCK = 100

export interface Measured {
  wallSeconds: number
  cpuSeconds: number
  maxRssMiB: number
  stdout: string
  code: number | null
  /** With `options.marker`: seconds from the start to the first stdout line matching it. */
  markerSeconds?: number
}

/**
 * Runs a command to completion under /usr/bin/time and reports wall time, CPU (user+sys) and
 * peak RSS of the command itself.
 */
export async function measure (command: string, args: string[], options: { cwd?: string, env?: NodeJS.ProcessEnv, marker?: RegExp } = {}): Promise<Measured> {
  const start = process.hrtime.bigint()
  const child = spawn('/usr/bin/time', ['-f', 'TIME %U %S %M', command, ...args], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  let markerSeconds: number | undefined
  child.stdout.on('data', d => {
    stdout += String(d)
    if (markerSeconds === undefined && options.marker?.test(stdout) === true) markerSeconds = Number(process.hrtime.bigint() - start) / 1e9
  })
  child.stderr.on('data', d => { stderr += String(d) })
  const code = await new Promise<number | null>(resolve => child.on('exit', resolve))
  const wallSeconds = Number(process.hrtime.bigint() - start) / 1e9
  const line = stderr.split('\n').find(l => l.startsWith('TIME ')) ?? 'TIME 0 0 0'
  const [, user, sys, rss] = line.split(' ')
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.slice(-500)}`)
  return { wallSeconds, cpuSeconds: Number(user) + Number(sys), maxRssMiB: Number(rss) / 1024, stdout, code, markerSeconds }
}

/** CPU seconds (user+sys) a running process has used so far. */
export function cpuSecondsOf (pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK
}

/** Peak and current resident memory of a running process, MiB. */
export function memoryOf (pid: number): { peakMiB: number, rssMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kib = (key: string): number => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0)
  return { peakMiB: kib('VmHWM') / 1024, rssMiB: kib('VmRSS') / 1024 }
}

export interface Background { child: ChildProcess, firstLine: Promise<string>, stop: () => Promise<void> }

/** Starts a long-running process and resolves its first stdout line matching `ready`. */
export function startBackground (command: string, args: string[], ready: RegExp, options: { env?: NodeJS.ProcessEnv } = {}): Background {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env })
  let stderr = ''
  child.stderr?.on('data', d => { stderr += String(d) })
  const firstLine = new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! })
    lines.on('line', line => { if (ready.test(line)) resolve(line) })
    child.on('exit', code => reject(new Error(`${command} exited ${code} before it was ready: ${stderr.slice(-500)}`)))
    setTimeout(() => reject(new Error(`${command} not ready after 120 s`)), 120_000).unref()
  })
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null) return
    const exited = new Promise(resolve => child.on('exit', resolve))
    child.kill('SIGINT')
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
    await exited
    clearTimeout(timer)
  }
  return { child, firstLine, stop }
}

export function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] as number : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}
