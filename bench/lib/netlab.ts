import { execFile, spawn } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { ROOT } from './shoal-cli.js'

const run = promisify(execFile)

/** The lab tool lives beside the repository (../shared/netlab). */
export const NETLAB = join(ROOT, '..', 'shared', 'netlab', 'netlab')
/**
 * Several labs may run on one machine at once: each needs its own namespace prefix, /16 and
 * nfqueue number. NETLAB_PREFIX and NETLAB_QUEUE are netlab's own variables; NETLAB_NET is ours
 * (netlab takes it as `--net`). The defaults are netlab's.
 */
export const NAMESPACE_PREFIX = process.env.NETLAB_PREFIX ?? 'nl-'
const LAB_NET = process.env.NETLAB_NET ?? '10.77'
const LAB_QUEUE = process.env.NETLAB_QUEUE ?? '7701'
const LAB_ENV = { ...process.env, NETLAB_PREFIX: NAMESPACE_PREFIX, NETLAB_QUEUE: LAB_QUEUE }

export function labAvailable (): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces)'
  if (!existsSync(NETLAB)) return `needs ${NETLAB}`
  return undefined
}

export async function labUp (hosts: number, args: string[]): Promise<void> {
  await run(NETLAB, ['up', String(hosts), '--net', LAB_NET, ...args], { maxBuffer: 1 << 24, env: LAB_ENV })
}

export async function labDown (): Promise<void> {
  await run(NETLAB, ['down'], { maxBuffer: 1 << 24, env: LAB_ENV }).catch(() => {})
}

export async function labIp (host: string): Promise<string> {
  const { stdout } = await run(NETLAB, ['ip', host], { env: LAB_ENV })
  return stdout.trim()
}

/** argv that runs `command` inside lab host `host` (e.g. p3). */
export function inHost (host: string, command: string, args: string[]): [string, string[]] {
  return ['ip', ['netns', 'exec', `${NAMESPACE_PREFIX}${host}`, command, ...args]]
}

/** Runs a command in a lab host to completion; resolves stdout. */
export async function execIn (host: string, command: string, args: string[]): Promise<{ stdout: string, stderr: string, ms: number }> {
  const [cmd, argv] = inHost(host, command, args)
  const start = Date.now()
  return await new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', d => { stdout += String(d) })
    child.stderr.on('data', d => { stderr += String(d) })
    child.on('exit', code => {
      if (code === 0) resolve({ stdout, stderr, ms: Date.now() - start })
      else {
        // SHOAL_BENCH_LOGS=<dir> keeps the whole output of a failed command for a post-mortem.
        if (process.env.SHOAL_BENCH_LOGS !== undefined) writeFileSync(join(process.env.SHOAL_BENCH_LOGS, `${host}-failed-${Date.now()}.log`), `${stdout}\n--- stderr\n${stderr}`)
        reject(new Error(`${command} in ${host} exited ${code}: ${stderr.slice(-400)}`))
      }
    })
  })
}
