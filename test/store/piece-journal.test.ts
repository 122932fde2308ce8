/** The verified-piece journal: what a run appends, the next one reads; bounded; gone when done. */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { JOURNAL_ENTRY_BYTES, MAX_JOURNAL_ENTRIES_PER_PIECE, PieceJournal } from '../../src/store/piece-journal.js'

test('appended pieces are read back by the next run; start empties it; remove deletes it', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-journal-'))
  t.after(async () => await rm(dir, { recursive: true, force: true }))
  const path = join(dir, 'journals', 'cid')
  const first = new PieceJournal(path)
  assert.deepEqual(await first.read(10), [], 'no journal yet')
  await first.start()
  for (const piece of [3, 1, 4, 1, 5]) first.append(piece)
  await first.close()
  assert.equal((await stat(path)).size, 5 * JOURNAL_ENTRY_BYTES)

  const second = new PieceJournal(path)
  assert.deepEqual((await second.read(10)).sort(), [1, 3, 4, 5])
  assert.deepEqual((await second.read(4)).sort(), [1, 3], 'pieces out of range are ignored')
  await second.start()
  assert.equal((await stat(path)).size, 0, 'a new run starts an empty journal')
  second.append(9)
  await second.remove()
  await assert.rejects(stat(path))
})

test(`a journal longer than ${MAX_JOURNAL_ENTRIES_PER_PIECE} entries per piece is not trusted; a torn last entry is ignored`, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-journal-'))
  t.after(async () => await rm(dir, { recursive: true, force: true }))
  const path = join(dir, 'cid')
  const pieces = 4
  const entries = (n: number): Buffer => Buffer.concat(Array.from({ length: n }, (_, i) => Buffer.from([0, 0, 0, i % pieces])))
  await writeFile(path, entries(pieces * MAX_JOURNAL_ENTRIES_PER_PIECE))
  assert.deepEqual((await new PieceJournal(path).read(pieces)).sort(), [0, 1, 2, 3])
  await writeFile(path, Buffer.concat([entries(pieces * MAX_JOURNAL_ENTRIES_PER_PIECE), Buffer.from([0])]))
  assert.deepEqual(await new PieceJournal(path).read(pieces), [], 'one byte over the bound')
  await writeFile(path, Buffer.concat([entries(2), Buffer.from([0, 0])]))
  assert.deepEqual((await new PieceJournal(path).read(pieces)).sort(), [0, 1])
})
