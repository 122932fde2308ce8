import { test, describe, before, after } from 'node:test'
import { strict as assert } from 'node:assert'
import { existsSync } from 'node:fs'
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { checkOutputDir, commitDownload, downloadPaths } from '../../src/store/download-paths.js'
import { ErrorCode, ShoalError } from '../../src/errors.js'

const MAX_NAME_BYTES = 255

describe('download paths', () => {
  let dir: string
  let n = 0
  const fresh = (): string => join(dir, `case-${++n}`)

  before(async () => { dir = await mkdtemp(join(tmpdir(), 'shoal-paths-')) })
  after(async () => {
    await chmod(dir, 0o700).catch(() => {})
    await rm(dir, { recursive: true, force: true })
  })

  test('final and partial names', () => {
    assert.deepEqual(downloadPaths('/out', 'movie.mkv'), { final: '/out/movie.mkv', partial: '/out/.movie.mkv.shoal-partial' })
    for (const bad of ['', '.', '..', 'a/b', 'a\\b', 'nul\0']) {
      assert.throws(() => downloadPaths('/out', bad), { code: ErrorCode.BadArgument }, JSON.stringify(bad))
    }
    const long = 'é'.repeat(127) // 254 bytes: fits as a name, not with the partial prefix and suffix
    const paths = downloadPaths('/out', long)
    const partial = basename(paths.partial)
    assert.ok(Buffer.byteLength(partial) <= MAX_NAME_BYTES)
    assert.match(partial, /^\.é+~[0-9a-f]{12}\.shoal-partial$/)
    assert.equal(downloadPaths('/out', long).partial, paths.partial, 'deterministic')
    assert.notEqual(downloadPaths('/out', long.slice(1) + 'x').partial, paths.partial)
  })

  test('checkOutputDir creates missing folders and leaves no probe behind', async () => {
    const out = join(fresh(), 'a', 'b')
    await checkOutputDir(out)
    assert.ok((await stat(out)).isDirectory())
    assert.deepEqual(await readdir(out), [])
    await checkOutputDir(out) // existing is fine
  })

  test('checkOutputDir rejects a file', async () => {
    const base = fresh()
    await mkdir(base)
    const file = join(base, 'file.txt')
    await writeFile(file, 'x')
    await assert.rejects(checkOutputDir(file), { code: ErrorCode.BadArgument })
  })

  test('checkOutputDir reports a folder it cannot write to', async () => {
    const base = fresh()
    await mkdir(base)
    if (process.getuid?.() === 0) {
      // Root ignores mode bits, so chmod proves nothing; a path under a regular file cannot be written either.
      const file = join(base, 'file.txt')
      await writeFile(file, 'x')
      await assert.rejects(checkOutputDir(join(file, 'sub')), (err: unknown) => err instanceof ShoalError)
      return
    }
    const locked = join(base, 'locked')
    await mkdir(locked)
    await chmod(locked, 0o555)
    try {
      await assert.rejects(checkOutputDir(locked), {
        code: ErrorCode.NoWriteAccess,
        message: `cannot write to ${locked}: permission denied`
      })
      await assert.rejects(checkOutputDir(join(locked, 'child')), { code: ErrorCode.NoWriteAccess })
    } finally {
      await chmod(locked, 0o700)
    }
  })

  test('commitDownload renames a partial file into place', async () => {
    const out = fresh()
    await checkOutputDir(out)
    const paths = downloadPaths(out, 'song.flac')
    await writeFile(paths.partial, 'all the verified bytes')
    await commitDownload(paths)
    assert.equal(existsSync(paths.partial), false)
    assert.equal(await readFile(paths.final, 'utf8'), 'all the verified bytes')
  })

  test('commitDownload renames a partial folder into place', async () => {
    const out = fresh()
    await checkOutputDir(out)
    const paths = downloadPaths(out, 'album')
    await mkdir(join(paths.partial, 'disc 1', 'empty'), { recursive: true })
    await writeFile(join(paths.partial, 'disc 1', 'track.bin'), 'track')
    await writeFile(join(paths.partial, 'cover.jpg'), '')
    await commitDownload(paths)
    assert.equal(existsSync(paths.partial), false)
    assert.equal(await readFile(join(paths.final, 'disc 1', 'track.bin'), 'utf8'), 'track')
    assert.ok((await stat(join(paths.final, 'disc 1', 'empty'))).isDirectory())
  })

  test('commitDownload refuses to overwrite, and reports a missing partial', async () => {
    const out = fresh()
    await checkOutputDir(out)
    const paths = downloadPaths(out, 'report.pdf')
    await writeFile(paths.partial, 'new')
    await writeFile(paths.final, 'old')
    await assert.rejects(commitDownload(paths), { code: ErrorCode.OutputExists, message: `${paths.final} already exists` })
    assert.equal(await readFile(paths.final, 'utf8'), 'old')
    assert.equal(await readFile(paths.partial, 'utf8'), 'new')

    const folder = downloadPaths(out, 'folder')
    await mkdir(folder.partial)
    await mkdir(folder.final)
    await assert.rejects(commitDownload(folder), { code: ErrorCode.OutputExists })

    await assert.rejects(commitDownload(downloadPaths(out, 'ghost')), { code: ErrorCode.NotFound })
  })
})
