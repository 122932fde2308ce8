/**
 * Churn: eight seeders, a download running, half of the seeders killed (SIGKILL) at random moments
 * and two new peers joining half-way. The download completes and is byte for byte the original.
 * Then the DHT: the original publisher leaves, and a newcomer who knows neither it nor the link
 * still finds the content by its bare CID, from the peers that downloaded it (each announces
 * itself as a provider once it has the content, so the records outlive the publisher).
 *
 * The first test runs real `shoal` processes (test/cli/harness.ts), loopback only; the second runs
 * nodes in this process.
 */
import { describe, test, before, after } from 'node:test'
import * as assert from 'node:assert/strict'
import { join } from 'node:path'
import { Harness, assertSuccess, jsonEvents, sha256File, show, type ShoalEvent, type ShoalProcess } from '../cli/harness.js'
import { dhtProviders, GET_TIMEOUT_MS, hashFile, KiB, MiB, TEST_TIMEOUT_MS, TestSwarm, waitFor, writeRandomFile } from '../helpers/swarm.js'

const SEEDERS = 8
const KILLED = SEEDERS / 2
const JOINERS = 2
const SIZE = 6 * MiB + 777
/** Each seeder is slow, so the download lasts long enough (about 6 s with all eight) to lose half of them. */
const SEEDER_LIMIT = '128k'
/** The kills fall in the first part of the download, at random. */
const KILL_WINDOW_MS = 4_000
const CHURN_TEST_TIMEOUT_MS = 150_000

describe('churn', () => {
  const h = new Harness()
  before(async () => { await h.setup() })
  after(async () => { await h.cleanup() })

  test(`${SEEDERS} seeders, ${KILLED} killed at random moments, ${JOINERS} joining: the download completes, correct`, { timeout: CHURN_TEST_TIMEOUT_MS }, async () => {
    const file = await h.randomFile('archive.tar', SIZE)
    const seeders: Array<{ proc: ShoalProcess, sharing: ShoalEvent }> = []
    await Promise.all(Array.from({ length: SEEDERS }, async () => {
      const proc = h.start(['share', file.path, '--json', '--upload-limit', SEEDER_LIMIT, ...h.net()])
      seeders.push({ proc, sharing: await proc.waitForEvent('sharing') })
    }))
    const cid = seeders[0]?.sharing.cid as string
    assert.ok(seeders.every(s => s.sharing.cid === cid), 'the same bytes under the same name: one CID')
    const link = `shoal://${cid}?${seeders.map(s => `peer=${encodeURIComponent((s.sharing.addrs as string[])[0] as string)}`).join('&')}`

    const output = await h.dir('out')
    const getter = h.start(['get', link, '-o', output, '--json', '--timeout', '60', ...h.net()])
    await getter.waitForEvent('progress', e => (e.pieces as number) > 0)

    // Kill half of the seeders, each at its own random moment; two newcomers join half-way.
    const victims = [...seeders].sort(() => Math.random() - 0.5).slice(0, KILLED)
    const joiners: Array<{ proc: ShoalProcess, output: string }> = []
    const survivors = seeders.filter(s => !victims.includes(s))
    const churn = Promise.all([
      ...victims.map(async v => {
        await new Promise(resolve => setTimeout(resolve, Math.random() * KILL_WINDOW_MS))
        await v.proc.kill()
      }),
      (async () => {
        await new Promise(resolve => setTimeout(resolve, KILL_WINDOW_MS / 2))
        const joinLink = `shoal://${cid}?${survivors.map(s => `peer=${encodeURIComponent((s.sharing.addrs as string[])[0] as string)}`).join('&')}`
        for (let i = 0; i < JOINERS; i++) {
          const dir = await h.dir(`joiner-${i}`)
          joiners.push({ proc: h.start(['get', joinLink, '-o', dir, '--seed', '--json', '--timeout', '60', ...h.net()]), output: dir })
        }
      })()
    ])
    await churn
    assert.ok(getter.running, `the download ended before the churn was over: the scenario did not happen\n${getter.describe()}`)
    for (const v of victims) assert.equal(v.proc.exit?.signal, 'SIGKILL')

    const result = await getter.waitExit(120_000)
    assertSuccess(result)
    const done = jsonEvents(result).at(-1) as ShoalEvent
    assert.equal(done.event, 'done', show(result))
    assert.equal(await sha256File(join(output, 'archive.tar')), file.sha256, 'the download is not the original')
    assert.equal(done.received, SIZE)
    const sources = Object.keys(done.peers as Record<string, number>)
    assert.ok(sources.length >= 2, `expected pieces from several peers: ${JSON.stringify(done.peers)}`)

    // The newcomers got it too, whatever churn they saw.
    for (const joiner of joiners) {
      await joiner.proc.waitForEvent('seeding', () => true, 120_000)
      assert.equal(await sha256File(join(joiner.output, 'archive.tar')), file.sha256, 'a newcomer got other bytes')
    }
    for (const proc of [...survivors.map(s => s.proc), ...joiners.map(j => j.proc)]) proc.signal('SIGINT')
  })

  test('the DHT finds the content after the original publisher is gone', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const swarm = new TestSwarm()
    t.after(async () => await swarm.cleanup())
    const source = join(await swarm.dir('source'), 'map.pdf')
    const sourceHash = await writeRandomFile(source, 500 * KiB + 9)
    const hub = await swarm.node('hub')
    const announced = new Map<string, Set<string>>()
    const onAnnounce = (who: string) => (e: { cid: string, ok: boolean }): void => {
      if (e.ok) announced.set(who, (announced.get(who) ?? new Set()).add(e.cid))
    }
    const publisher = await swarm.node('publisher', { bootstrap: hub.addrs() }, { announce: onAnnounce('publisher') })
    await waitFor('the publisher to join the DHT', () => publisher.connectedPeers().includes(hub.peerId))
    const shared = await publisher.share(source)
    await waitFor('the publisher to announce', () => announced.get('publisher')?.has(shared.cid) === true)

    const readers = []
    for (const name of ['reader-1', 'reader-2']) {
      const reader = await swarm.node(name, { bootstrap: hub.addrs() }, { announce: onAnnounce(name) })
      await reader.get(shared.cid, { output: await swarm.dir(`out-${name}`), timeoutMs: GET_TIMEOUT_MS })
      await waitFor(`${name} to announce itself as a provider`, () => announced.get(name)?.has(shared.cid) === true)
      readers.push(reader)
    }
    await publisher.stop()

    // The newcomer knows one reader only: no link, no publisher address.
    const newcomer = await swarm.node('newcomer', { bootstrap: readers[0]?.addrs() })
    const result = await newcomer.get(shared.cid, { output: await swarm.dir('out-newcomer'), timeoutMs: GET_TIMEOUT_MS })
    assert.equal(await hashFile(result.path), sourceHash)
    assert.equal(result.peers[publisher.peerId], undefined, 'bytes from the publisher, which is gone')
    const providers = await dhtProviders(newcomer, shared.cid)
    assert.ok(readers.some(r => providers.includes(r.peerId)), `the DHT does not list the readers as providers: ${providers.join(', ')}`)
  })
})
