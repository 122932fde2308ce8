/**
 * `npm run bench -- compute-map`: `shoal map` over a dataset in netlab (root; NETLAB_PREFIX,
 * NETLAB_NET, NETLAB_QUEUE as for every lab scenario), with and without data-local placement.
 * Six hosts at 20 Mbit/s and 20 ms one way: p1..p4 run `shoal daemon --offer-compute 1`, of which
 * p1 shares the dataset and p2 downloads it (the holders); p5 runs `shoal map` (sha256sum of each
 * file, 2 replicas) once with placement where the data is and once with `--no-locality --no-cache`
 * (any idle worker: the data moves). Printed: wall time of each command, input bytes moved, and
 * the ratio of the two times.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { execIn, inHost, labAvailable, labDown, labIp, labUp } from '../lib/netlab.js'
import { nodeArgs, ROOT, SHOAL_BIN } from '../lib/shoal-cli.js'

const RATE = '20mbit'
const DELAY = '20ms'
const WORKERS = ['p1', 'p2', 'p3', 'p4']
const REQUESTER = 'p5'

export interface MapRun { ms: number, moved: number, agreed: number, failed: number, holders: number, workers: number }
export interface ComputeMapResult { files: number, fileBytes: number, local: MapRun, anywhere: MapRun, timeRatio: number }

export async function computeMapBench (options: { quick: boolean }): Promise<ComputeMapResult> {
  const missing = labAvailable()
  if (missing !== undefined) throw new Error(`the compute-map benchmark ${missing}`)
  const files = options.quick ? 12 : 24
  const fileBytes = (options.quick ? 128 : 512) * 1024
  const root = await mkdtemp(join(tmpdir(), 'shoal-bench-compute-map-'))
  const daemons: ChildProcess[] = []
  try {
    await labUp(6, ['--rate', RATE, '--delay', DELAY])
    const dataset = join(root, 'dataset')
    await mkdir(dataset)
    for (let i = 0; i < files; i++) await writeFile(join(dataset, `part-${String(i).padStart(2, '0')}.bin`), randomBytes(fileBytes))
    const args = async (host: string): Promise<string[]> => nodeArgs(join(root, `data-${host}`), await labIp(host))
    const cli = async (host: string, command: string[]): Promise<Array<Record<string, any>>> => {
      const { stdout } = await execIn(host, process.execPath, [SHOAL_BIN, ...command, '--json', '--data-dir', join(root, `data-${host}`)])
      return stdout.trim().split('\n').filter(l => l.startsWith('{')).map(l => JSON.parse(l))
    }
    let bootstrap: string[] = []
    for (const host of WORKERS) {
      const started = await startDaemon(host, [...await args(host), '--offer-compute', '1', ...bootstrap])
      daemons.push(started.child)
      if (bootstrap.length === 0) bootstrap = ['--bootstrap', started.addr]
    }
    const shared = (await cli('p1', ['share', dataset])).find(e => e.event === 'sharing')!
    const got = (await cli('p2', ['get', String(shared.link), '-o', join(root, 'copy-p2')])).at(-1)
    if (got?.event !== 'done') throw new Error(`p2 did not get the dataset: ${JSON.stringify(got)}`)
    const module = join(ROOT, 'examples', 'jobs', 'sha256sum.wasm')
    const map = async (tag: string, extra: string[]): Promise<MapRun> => {
      const { stdout, ms } = await execIn(REQUESTER, process.execPath, [SHOAL_BIN, 'map', module, String(shared.link), '-o', join(root, `out-${tag}`),
        '--replicas', '2', '--same-network-ok', '--arg', 'sha256sum', ...extra, ...nodeArgs(join(root, `data-${REQUESTER}-${tag}`), await labIp(REQUESTER)), ...bootstrap])
      const summary = JSON.parse(stdout.trim().split('\n').filter(l => l.includes('"event":"map"')).at(-1) ?? '{}')
      return { ms, moved: Number(summary.moved), agreed: Number(summary.agreed), failed: Number(summary.failed), holders: Number(summary.holders), workers: Number(summary.workers) }
    }
    const local = await map('local', [])
    const anywhere = await map('anywhere', ['--no-locality', '--no-cache'])
    return { files, fileBytes, local, anywhere, timeRatio: anywhere.ms / local.ms }
  } finally {
    for (const d of daemons) d.kill('SIGTERM')
    await labDown()
    await rm(root, { recursive: true, force: true })
  }
}

/** `shoal daemon` in a lab host; resolves its first listen address once it printed its `api` event. */
async function startDaemon (host: string, args: string[]): Promise<{ child: ChildProcess, addr: string }> {
  const [cmd, argv] = inHost(host, process.execPath, [SHOAL_BIN, 'daemon', ...args])
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'ignore'] })
  return await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`daemon in ${host} not ready after 60 s`)), 60_000)
    createInterface({ input: child.stdout! }).on('line', line => {
      if (!line.includes('"event":"api"')) return
      clearTimeout(timer)
      const event = JSON.parse(line) as { peerId: string, addrs: string[] }
      resolve({ child, addr: event.addrs.find(a => !a.includes('/p2p-circuit') && !a.includes('/ws')) ?? event.addrs[0]! })
    })
    child.on('exit', code => { clearTimeout(timer); reject(new Error(`daemon in ${host} exited ${String(code)}`)) })
  })
}
