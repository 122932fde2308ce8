/**
 * An attacker publishes content whose manifest is hostile: names that climb out of the download
 * folder (`..`, absolute paths, backslashes), NUL and control characters, reserved device names,
 * over-long names, duplicate paths, a file where a folder should be, absurd piece counts. It is
 * signed and it hashes to the CID the victim asked for (the attacker made both). Each is refused
 * before anything is written, the get ends at once with BAD_MANIFEST (no peer can ever serve a
 * valid manifest for that CID), and the peer that served it is scored down. A valid manifest
 * declaring more than the disk holds ends with DISK_FULL, also before anything is allocated.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { MAX_PIECES } from '../../src/content/manifest.js'
import { ErrorCode } from '../../src/errors.js'
import type { Fault } from '../../src/swarm/common/peer-scores.js'
import { ANY_ROOT, forge, manifestJson } from '../helpers/forge.js'
import { HostilePeer } from '../helpers/hostile-peer.js'
import { TEST_TIMEOUT_MS, TestSwarm, linkVia } from '../helpers/swarm.js'

const PIECE = 16_384
const BIG_PIECE = 16 * 1024 * 1024
const TiB = 1024 ** 4
/** A get that should fail at once; if it waits this long instead, something is wrong. */
const GET_TIMEOUT_MS = 10_000

const file = (path: string, size = 10): { path: string, size: number, root: string } => ({ path, size, root: ANY_ROOT })
const dir = (name: string, files: Array<{ path: string, size: number, root: string }>): unknown => ({ version: 1, name, kind: 'dir', pieceSize: PIECE, files })
const single = (name: string): unknown => ({ version: 1, name, kind: 'file', pieceSize: PIECE, files: [file(name)] })

const HOSTILE: Array<[string, unknown]> = [
  ['a share named ..', single('..')],
  ['a path climbing out with ..', dir('photos', [file('../../evil.txt')])],
  ['an absolute path', dir('photos', [file('/tmp/evil.txt')])],
  ['a backslash path', dir('photos', [file('a\\..\\..\\evil.txt')])],
  ['a NUL in a name', single('a\u0000b')],
  ['a newline in a name', dir('photos', [file('a\nb')])],
  ['a reserved device name', dir('photos', [file('CON')])],
  ['a reserved name with an extension', single('nul.txt')],
  ['a 300-byte name', single('x'.repeat(300))],
  ['duplicate paths', dir('photos', [file('a.jpg'), file('a.jpg')])],
  ['a file where a folder should be', dir('photos', [file('a'), file('a/b.jpg')])],
  ['an empty path segment', dir('photos', [file('a//b')])],
  ['a negative size', dir('photos', [file('a', -1)])],
  ['more pieces than any share may have', dir('photos', [file('a', (MAX_PIECES + 1) * PIECE)])]
]

test('hostile manifests are refused before anything is written', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const swarm = new TestSwarm()
  const hostile = await HostilePeer.start()
  t.after(async () => { await hostile.stop(); await swarm.cleanup() })
  const forged = await Promise.all(HOSTILE.map(async ([, value]) => await forge(manifestJson(value))))
  const huge = await forge(manifestJson({ version: 1, name: 'huge.img', kind: 'file', pieceSize: BIG_PIECE, files: [file('huge.img', 60 * TiB)] }))
  hostile.serveManifest(new Map([...forged, huge].map(f => [f.cid.toString(), f.signed])), 1)

  const root = await swarm.dir('victim-files')
  for (const [i, [what]] of HOSTILE.entries()) {
    const faults: Fault[] = []
    // A fresh victim each time: two refused manifests from one peer would get it banned.
    const victim = await swarm.node(`victim-${i}`, {}, { fault: (id, f) => { if (id === hostile.peerId) faults.push(f) } })
    const output = join(root, `case-${i}`, 'downloads')
    await assert.rejects(victim.get(linkVia((forged[i] as { cid: { toString: () => string } }).cid.toString(), [hostile]), { output, timeoutMs: GET_TIMEOUT_MS }),
      (err: any) => err.code === ErrorCode.BadManifest, `${what}: not refused as BAD_MANIFEST`)
    assert.deepEqual(await readdir(output), [], `${what}: something was written in the download folder`)
    assert.deepEqual(await readdir(join(root, `case-${i}`)), ['downloads'], `${what}: something was written next to it`)
    assert.deepEqual(faults, ['protocol-error'], `${what}: the peer that served it was not scored`)
    await victim.stop()
  }

  const victim = await swarm.node('victim-huge')
  const output = join(root, 'huge', 'downloads')
  await assert.rejects(victim.get(linkVia(huge.cid.toString(), [hostile]), { output, timeoutMs: GET_TIMEOUT_MS }),
    (err: any) => err.code === ErrorCode.DiskFull && /not enough space/.test(err.message), 'a 60 TiB file was not refused as DISK_FULL')
  assert.deepEqual(await readdir(output), [], 'something was allocated for a file larger than the disk')
})
