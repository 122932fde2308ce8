/**
 * Runs the real `shoal` CLI (bin/shoal.js) as child processes for the CLI contract tests.
 *
 * Every process gets its own temporary data directory and only ever listens on, and talks to,
 * loopback (`--no-mdns --listen /ip4/127.0.0.1/tcp/0`, no bootstrap peers unless a test passes a
 * loopback one). Every wait is bounded; `cleanup()` kills whatever is still running.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { strict as assert } from 'node:assert'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { JSON_CODEC } from '../../src/content/manifest.js'

/** dist/test/cli/harness.js → <repo>/bin/shoal.js */
export const SHOAL_BIN = fileURLToPath(new URL('../../../bin/shoal.js', import.meta.url))
export const LOOPBACK_LISTEN = '/ip4/127.0.0.1/tcp/0'
/** Upper bound for a command that should finish on its own. */
export const RUN_LIMIT_MS = 45_000
/** Upper bound for waiting on one event from a running process. */
export const EVENT_LIMIT_MS = 30_000
/** A line of a JavaScript stack trace. */
export const STACK_LINE = /^\s+at /m

export type ShoalEvent = Record<string, unknown> & { event: string }

/** A command that starts the process, given `node` and its arguments (e.g. `setpriv …`), or none. */
export type Wrapper = string[] | undefined

export interface Exit { code: number | null, signal: NodeJS.Signals | null }

export interface RunResult extends Exit {
  stdout: string
  stderr: string
}

/** One running `shoal` process: its output so far and ways to wait on it. */
export class ShoalProcess {
  readonly child: ChildProcess
  readonly args: string[]
  stdout = ''
  stderr = ''
  exit?: Exit
  readonly exited: Promise<Exit>
  private readonly listeners = new Set<() => void>()

  constructor (args: string[], env: NodeJS.ProcessEnv, cwd: string, wrapper?: Wrapper) {
    this.args = args
    const argv = [...(wrapper ?? []), process.execPath, SHOAL_BIN, ...args]
    this.child = spawn(argv[0] as string, argv.slice(1), { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    this.child.stdout?.setEncoding('utf8')
    this.child.stderr?.setEncoding('utf8')
    this.child.stdout?.on('data', (chunk: string) => { this.stdout += chunk; this.notify() })
    this.child.stderr?.on('data', (chunk: string) => { this.stderr += chunk; this.notify() })
    this.exited = new Promise(resolve => {
      // 'close', not 'exit': by then stdout and stderr have been read to the end.
      this.child.on('close', (code, signal) => {
        this.exit = { code, signal }
        this.notify()
        resolve(this.exit)
      })
      this.child.on('error', err => {
        this.stderr += `spawn failed: ${err.message}\n`
        this.exit = { code: null, signal: null }
        this.notify()
        resolve(this.exit)
      })
    })
  }

  get running (): boolean {
    return this.exit === undefined
  }

  /** Complete stdout lines, each parsed as JSON (the --json contract: one event per line, nothing else). */
  events (): ShoalEvent[] {
    return completeLines(this.stdout).map(line => parseEvent(line, this))
  }

  /**
   * Resolves with the first `name` event on stdout (for which `where` holds, if given); fails if
   * the process ends first or `limitMs` passes.
   */
  async waitForEvent (name: string, where: (e: ShoalEvent) => boolean = () => true, limitMs = EVENT_LIMIT_MS): Promise<ShoalEvent> {
    return await this.waitFor(() => this.events().find(e => e.event === name && where(e)), `a '${name}' event`, limitMs)
  }

  /** Resolves when the process has ended; kills it (and fails) if it has not after `limitMs`. */
  async waitExit (limitMs = RUN_LIMIT_MS): Promise<RunResult> {
    await this.waitFor(() => this.exit, 'the process to exit', limitMs, false)
    return { ...(this.exit as Exit), stdout: this.stdout, stderr: this.stderr }
  }

  signal (signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal)
  }

  async kill (): Promise<void> {
    if (!this.running) return
    this.child.kill('SIGKILL')
    await this.exited
  }

  describe (): string {
    return `shoal ${this.args.join(' ')}\n--- exit: ${JSON.stringify(this.exit)}\n--- stdout:\n${this.stdout}\n--- stderr:\n${this.stderr}`
  }

  private notify (): void {
    for (const listener of [...this.listeners]) listener()
  }

  private async waitFor<T> (check: () => T | undefined, what: string, limitMs: number, failOnExit = true): Promise<T> {
    return await new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined
      const finish = (fn: () => void): void => {
        clearTimeout(timer)
        this.listeners.delete(listener)
        fn()
      }
      const listener = (): void => {
        let found: T | undefined
        try {
          found = check()
        } catch (err) {
          finish(() => reject(err))
          return
        }
        if (found !== undefined) finish(() => resolve(found))
        else if (failOnExit && this.exit !== undefined) finish(() => reject(new Error(`process ended before ${what}:\n${this.describe()}`)))
      }
      timer = setTimeout(() => finish(() => {
        this.child.kill('SIGKILL')
        reject(new Error(`no ${what} within ${limitMs} ms (process killed):\n${this.describe()}`))
      }), limitMs)
      this.listeners.add(listener)
      listener()
    })
  }
}

/** Temporary folders and child processes for one test file; `cleanup()` undoes all of it. */
export class Harness {
  root = ''
  private readonly processes = new Set<ShoalProcess>()
  private count = 0

  async setup (): Promise<void> {
    this.root = await mkdtemp(join(tmpdir(), 'shoal-cli-test-'))
    await mkdir(join(this.root, 'tmp'))
    await mkdir(join(this.root, 'home'))
  }

  /** A new, empty folder under the test root. */
  async dir (name: string): Promise<string> {
    const path = join(this.root, `${name}-${++this.count}`)
    await mkdir(path)
    return path
  }

  /** A new data directory (not created: the CLI creates it). */
  dataDir (name = 'node'): string {
    return join(this.root, `data-${name}-${++this.count}`)
  }

  /** The flags every process gets: no LAN discovery, loopback only, its own data directory. */
  net (dataDir = this.dataDir()): string[] {
    return ['--no-mdns', '--listen', LOOPBACK_LISTEN, '--data-dir', dataDir]
  }

  /** Writes `size` random bytes to a new file; returns its path and SHA-256. */
  async randomFile (name: string, size: number): Promise<{ path: string, sha256: string }> {
    const path = join(await this.dir('files'), name)
    const bytes = randomBytes(size)
    await writeFile(path, bytes)
    return { path, sha256: createHash('sha256').update(bytes).digest('hex') }
  }

  start (args: string[], wrapper?: Wrapper): ShoalProcess {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      SHOAL_HOME: join(this.root, 'home'), // never the user's ~/.shoal, even if a test forgot --data-dir
      TMPDIR: join(this.root, 'tmp') // `shoal demo` works in a temporary folder: keep it under ours
    }
    delete env.SHOAL_DEBUG // it adds stack traces to failures, which the contract forbids
    delete env.NODE_TEST_CONTEXT // set by `node --test` for its own children, not for ours
    delete env.NODE_OPTIONS
    const proc = new ShoalProcess(args, env, this.root, wrapper)
    this.processes.add(proc)
    return proc
  }

  /** Runs a command to the end (bounded by `limitMs`). */
  async run (args: string[], limitMs = RUN_LIMIT_MS, wrapper?: Wrapper): Promise<RunResult> {
    return await this.start(args, wrapper).waitExit(limitMs)
  }

  async cleanup (): Promise<void> {
    await Promise.all([...this.processes].map(async p => await p.kill()))
    this.processes.clear()
    if (this.root !== '') await rm(this.root, { recursive: true, force: true })
  }
}

/** A well-formed Shoal content ID that nobody has. */
export async function unknownCid (): Promise<string> {
  return CID.create(1, JSON_CODEC, await sha256.digest(randomBytes(32))).toString()
}

export async function sha256File (path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

export function completeLines (text: string): string[] {
  const lines = text.split('\n')
  lines.pop() // after the last '\n': empty, or a line still being written
  return lines.filter(line => line !== '')
}

function parseEvent (line: string, proc: ShoalProcess): ShoalEvent {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    throw new Error(`stdout line is not JSON: ${JSON.stringify(line)}\n${proc.describe()}`)
  }
  if (typeof value !== 'object' || value === null || typeof (value as ShoalEvent).event !== 'string') {
    throw new Error(`stdout line is not an event: ${line}\n${proc.describe()}`)
  }
  return value as ShoalEvent
}

/** Every stdout line of a --json run, parsed. */
export function jsonEvents (result: RunResult): ShoalEvent[] {
  return completeLines(result.stdout).map(line => {
    try {
      return JSON.parse(line) as ShoalEvent
    } catch {
      throw new Error(`stdout line is not JSON: ${JSON.stringify(line)}\n--- stdout:\n${result.stdout}\n--- stderr:\n${result.stderr}`)
    }
  })
}

export function show (result: RunResult): string {
  return `exit ${JSON.stringify({ code: result.code, signal: result.signal })}\n--- stdout:\n${result.stdout}\n--- stderr:\n${result.stderr}`
}

/** A run that succeeded: exit 0, no stack trace anywhere. */
export function assertSuccess (result: RunResult): void {
  assert.equal(result.code, 0, `expected exit 0:\n${show(result)}`)
  assert.doesNotMatch(result.stderr, STACK_LINE, `stack trace on stderr:\n${show(result)}`)
}

/** Human mode failure: non-zero exit (not a signal), exactly one line on stderr, no stack trace. */
export function assertHumanFailure (result: RunResult): string {
  assert.equal(result.signal, null, `killed by a signal:\n${show(result)}`)
  assert.notEqual(result.code, 0, `expected a non-zero exit:\n${show(result)}`)
  assert.doesNotMatch(result.stderr, STACK_LINE, `stack trace on stderr:\n${show(result)}`)
  assert.doesNotMatch(result.stdout, STACK_LINE, `stack trace on stdout:\n${show(result)}`)
  assert.ok(result.stderr.endsWith('\n'), `stderr does not end its line:\n${show(result)}`)
  const lines = result.stderr.slice(0, -1).split('\n')
  assert.equal(lines.length, 1, `expected one line on stderr:\n${show(result)}`)
  const line = lines[0] as string
  assert.ok(line.trim().length > 0, `empty error line:\n${show(result)}`)
  return line
}

/** --json failure: non-zero exit, every stdout line JSON, the last an error event with one of `codes`. */
export function assertJsonFailure (result: RunResult, codes: string[]): ShoalEvent {
  assert.equal(result.signal, null, `killed by a signal:\n${show(result)}`)
  assert.notEqual(result.code, 0, `expected a non-zero exit:\n${show(result)}`)
  assert.doesNotMatch(result.stderr, STACK_LINE, `stack trace on stderr:\n${show(result)}`)
  assert.doesNotMatch(result.stdout, STACK_LINE, `stack trace on stdout:\n${show(result)}`)
  const events = jsonEvents(result)
  const last = events.at(-1)
  assert.ok(last !== undefined, `no JSON on stdout:\n${show(result)}`)
  assert.equal(last.event, 'error', `last event is not an error:\n${show(result)}`)
  assert.ok(codes.includes(last.code as string), `error code ${String(last.code)}, expected one of ${codes.join(', ')}:\n${show(result)}`)
  assert.equal(typeof last.message, 'string')
  assert.ok((last.message as string).length > 0)
  assert.ok(!(last.message as string).includes('\n'), 'error message spans lines')
  return last
}

/**
 * `/ip4/127.0.0.1/tcp/<port>/p2p/<peerId>` for every address, or the same through a loopback relay
 * (`…/p2p/<relay>/p2p-circuit/p2p/<peerId>`, reach/); returns the direct ones.
 */
export function assertLoopbackAddrs (addrs: unknown, peerId: string): string[] {
  assert.ok(Array.isArray(addrs) && addrs.length > 0, `expected addresses, got ${JSON.stringify(addrs)}`)
  for (const addr of addrs) {
    assert.match(String(addr), new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+(/p2p/12D3Koo\\w+/p2p-circuit)?/p2p/${peerId}$`))
  }
  const direct = (addrs as string[]).filter(a => !a.includes('/p2p-circuit'))
  assert.ok(direct.length > 0, `no direct address in ${JSON.stringify(addrs)}`)
  return direct
}
