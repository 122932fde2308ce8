/**
 * The CLI's code cache (bin/code-cache.js): a successful command leaves a V8 code cache for that
 * command in the temp folder, the next run of it loads with that cache, and a cache that is
 * damaged or from another build never breaks a command: V8 rejects it, the command runs, and a
 * good cache replaces it. A failed command leaves none; writing a cache removes those of earlier
 * builds of the same install. Real `shoal` processes with their own TMPDIR; skipped when the CLI
 * is not bundled (a plain `tsc` build).
 */
import { test } from 'node:test'
import { strict as assert } from 'node:assert'
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { LOOPBACK_LISTEN, SHOAL_BIN } from './harness.js'

const BUNDLE = fileURLToPath(new URL('../../../dist/src/cli/shoal.bundle.cjs', import.meta.url))

/** `shoal id` of one data directory on loopback: its peer ID (a node starts and stops). */
function idArgs (tmp: string): string[] {
  return ['id', '--json', '--no-mdns', '--no-ws', '--listen', LOOPBACK_LISTEN, '--data-dir', join(tmp, 'node')]
}

function peerIdOf (stdout: string): string {
  const event = stdout.split('\n').filter(l => l.includes('"event":"id"')).map(l => JSON.parse(l))[0]
  assert.ok(event !== undefined, `an id event in: ${stdout}`)
  return String(event.peerId)
}

function shoal (tmp: string, args: string[]): { code: number | null, stdout: string, stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp }
  delete env.NODE_DISABLE_COMPILE_CACHE
  const r = spawnSync(process.execPath, [SHOAL_BIN, ...args], { env, encoding: 'utf8', timeout: 60_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

async function caches (tmp: string): Promise<string[]> {
  const dir = join(tmp, 'shoal-code-cache')
  return existsSync(dir) ? (await readdir(dir)).sort() : []
}

test('a command leaves its code cache, and a damaged cache is replaced without breaking it; the caches of earlier builds are removed', { skip: existsSync(BUNDLE) ? false : 'the CLI is not bundled' }, async () => {
  const tmp = await mkdtemp(join(tmpdir(), 'shoal-cc-'))
  try {
    // A failed command (a bad link) leaves no cache.
    const bad = shoal(tmp, ['get', 'not-a-link'])
    assert.notEqual(bad.code, 0)
    assert.deepEqual(await caches(tmp), [])

    const first = shoal(tmp, idArgs(tmp))
    assert.equal(first.code, 0, first.stderr)
    const made = await caches(tmp)
    assert.equal(made.length, 1, `one cache, for 'id': ${made.join(', ')}`)
    assert.match(made[0] as string, /-id\.bin$/)
    const path = join(tmp, 'shoal-code-cache', made[0] as string)
    const good = await readFile(path)
    assert.ok(good.length > 100_000, `the cache holds the command's code (${good.length} bytes)`)

    // Accepted: the next run does not write it again.
    const second = shoal(tmp, idArgs(tmp))
    assert.equal(second.code, 0, second.stderr)
    assert.equal(peerIdOf(second.stdout), peerIdOf(first.stdout), 'same identity')
    assert.ok((await readFile(path)).equals(good), 'an accepted cache is left as it was')

    // Damaged: rejected, the command still works, and a good cache takes its place.
    await writeFile(path, Buffer.alloc(good.length, 7))
    const third = shoal(tmp, idArgs(tmp))
    assert.equal(third.code, 0, third.stderr)
    assert.equal(peerIdOf(third.stdout), peerIdOf(first.stdout))
    assert.equal(third.stderr, '')
    const replaced = await readFile(path)
    assert.ok(!replaced.equals(Buffer.alloc(good.length, 7)), 'the damaged cache was replaced')
    assert.ok(replaced.length > 100_000)

    // Writing a cache removes this install's caches of earlier builds and caches named the old
    // way (one key), and leaves another install's alone.
    const [install, build] = (made[0] as string).split('-') as [string, string]
    const otherBuild = build === 'ffffffffffffffff' ? 'eeeeeeeeeeeeeeee' : 'ffffffffffffffff'
    const planted = {
      earlierBuild: `${install}-${otherBuild}-get.bin`,
      oldNaming: '0123456789abcdef-get.bin',
      otherInstall: `${install === '0000000000000000' ? '1111111111111111' : '0000000000000000'}-${build}-get.bin`
    }
    for (const name of Object.values(planted)) await writeFile(join(tmp, 'shoal-code-cache', name), 'x')
    await writeFile(path, Buffer.alloc(good.length, 7))
    const fourth = shoal(tmp, idArgs(tmp))
    assert.equal(fourth.code, 0, fourth.stderr)
    assert.deepEqual(await caches(tmp), [made[0], planted.otherInstall].sort())
  } finally {
    await rm(tmp, { recursive: true, force: true })
  }
})
