/**
 * The daemon's HTTP API with real nodes on loopback: the token, shares, downloads (pause, resume,
 * piece map, event stream), peers (connect, ban) and metrics.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { hashFile, linkVia, MiB, TEST_TIMEOUT_MS, TestSwarm, waitFor, writeRandomFile } from '../helpers/swarm.js'
import { readEvents, startDaemon } from '../helpers/daemon.js'

test('every API call needs the token; the dashboard files do not', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const swarm = new TestSwarm()
  const d = await startDaemon(swarm, 'daemon')
  t.after(async () => { await d.daemon.stop(); await swarm.cleanup() })

  for (const path of ['/api/v1/node', '/api/v1/downloads', '/api/v1/peers', '/api/v1/shares', '/api/v1/events', '/metrics', `/content/${'b'.repeat(10)}`]) {
    const none = await d.call(path, { token: null })
    assert.equal(none.status, 401, `${path} without a token`)
    assert.equal(((await none.json()) as any).error.code, 'UNAUTHORIZED')
    assert.equal((await d.call(path, { token: 'f'.repeat(48) })).status, 401, `${path} with a wrong token`)
  }
  assert.equal((await d.call('/api/v1/node')).status, 200, 'Bearer token')
  assert.equal((await d.call(`/api/v1/node?token=${d.daemon.token}`, { token: null })).status, 200, 'token in the query')
  assert.equal((await d.call('/api/v1/node', { method: 'DELETE' })).status, 405)

  const page = await d.call('/', { token: null })
  assert.equal(page.status, 200)
  assert.match(page.headers.get('content-type') ?? '', /text\/html/)
  assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/)
  assert.match(await page.text(), /<script type="module" src="\/app.js">/)
  assert.equal((await d.call('/app.js', { token: null })).status, 200)
  assert.equal((await d.call('/assets.ts', { token: null })).status, 404, 'sources are not served')
  assert.equal((await d.call('/%2e%2e/package.json', { token: null })).status, 404)

  // The token file is the owner's alone, and the API file tells the CLI where the daemon is.
  const tokenFile = await stat(join(d.daemon.node.dataDir, 'api-token'))
  assert.equal(tokenFile.mode & 0o077, 0, 'api-token is readable by others')
  const apiFile = JSON.parse(await readFile(join(d.daemon.node.dataDir, 'api.json'), 'utf8'))
  assert.equal(apiFile.url, d.daemon.url)
  assert.equal(apiFile.pid, process.pid)
})

test('shares: add a path, upload a file, list, remove', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const swarm = new TestSwarm()
  const d = await startDaemon(swarm, 'daemon')
  t.after(async () => { await d.daemon.stop(); await swarm.cleanup() })
  const path = join(await swarm.dir('files'), 'notes.bin')
  await writeRandomFile(path, 300_000)

  const shared = await d.json('/api/v1/shares', { method: 'POST', body: JSON.stringify({ path }) })
  assert.equal(shared.name, 'notes.bin')
  assert.equal(shared.bytes, 300_000)
  assert.equal(shared.peerId, d.daemon.node.peerId)
  assert.ok(shared.link.startsWith(`shoal://${shared.cid as string}`))

  const uploaded = await d.json('/api/v1/shares/upload?name=../../dropped.txt', { method: 'POST', body: 'hello from a browser', headers: { 'Content-Type': 'application/octet-stream' } })
  assert.equal(uploaded.name, 'dropped.txt')
  assert.equal(await readFile(join(d.daemon.uploadsDir, 'dropped.txt'), 'utf8'), 'hello from a browser')

  const { shares } = await d.json('/api/v1/shares')
  assert.deepEqual(shares.map((s: any) => s.name).sort(), ['dropped.txt', 'notes.bin'])
  for (const s of shares) assert.equal(s.role, 'share')

  const missing = await d.call('/api/v1/shares', { method: 'POST', body: JSON.stringify({ path: join(path, 'nope') }) })
  assert.equal(missing.status, 404)
  assert.equal(((await missing.json()) as any).error.code, 'PATH_NOT_FOUND')
  assert.equal((await d.call('/api/v1/shares', { method: 'POST', body: '{"path":' })).status, 400)

  assert.equal((await d.call(`/api/v1/shares/${shared.cid as string}`, { method: 'DELETE' })).status, 204)
  assert.equal((await d.call(`/api/v1/shares/${shared.cid as string}`, { method: 'DELETE' })).status, 404)
  assert.deepEqual((await d.json('/api/v1/shares')).shares.map((s: any) => s.name), ['dropped.txt'])
})

test('downloads: start by link, follow the event stream, pause, resume, piece map by source, metrics', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const swarm = new TestSwarm()
  const d = await startDaemon(swarm, 'daemon')
  t.after(async () => { await d.daemon.stop(); await swarm.cleanup() })
  const SIZE = 8 * MiB
  const source = join(await swarm.dir('source'), 'film.bin')
  const sourceHash = await writeRandomFile(source, SIZE)
  // Two seeders, slowed down so the download is still running when it is paused.
  const seeders = [await swarm.node('alice', { uploadLimit: 768 * 1024 }), await swarm.node('bob', { uploadLimit: 768 * 1024 })]
  const shared = await seeders[0]!.share(source)
  await seeders[1]!.share(source)
  const stream = readEvents(d)
  t.after(() => stream.stop())
  await stream.ready
  await waitFor('the snapshot event', () => stream.events.some(e => e.name === 'snapshot'))

  const output = await swarm.dir('downloads')
  const started = await d.json('/api/v1/downloads', { method: 'POST', body: JSON.stringify({ link: linkVia(shared.cid, seeders), output }) })
  assert.equal(started.id, shared.cid)
  assert.ok(['finding', 'downloading'].includes(started.state))
  const info = async (): Promise<any> => await d.json(`/api/v1/downloads/${shared.cid}`)
  // 512 pieces at about 96 a second: pause when a fifth is in.
  await waitFor('a hundred pieces', async () => (await info()).piecesDone >= 100)

  const paused = await d.json(`/api/v1/downloads/${shared.cid}/pause`, { method: 'POST' })
  assert.equal(paused.state, 'paused')
  assert.ok(paused.piecesDone < paused.pieces, 'paused before the end')
  const pausedAt = paused.piecesDone
  const mapWhilePaused = await d.json(`/api/v1/downloads/${shared.cid}/pieces`)
  assert.equal(mapWhilePaused.pieces, paused.pieces)
  assert.ok(Buffer.from(mapWhilePaused.sources, 'base64').filter(b => b !== 0).length >= pausedAt)

  await d.json(`/api/v1/downloads/${shared.cid}/resume`, { method: 'POST' })
  await waitFor('the download to finish', async () => (await info()).state === 'done', 45_000)
  const done = await info()
  assert.equal(done.result.path, join(output, 'film.bin'))
  assert.equal(await hashFile(done.result.path), sourceHash)
  // 16 KiB pieces; a few verified just as it paused may be fetched again, not more.
  assert.ok(done.result.received <= SIZE - (pausedAt - 16) * 16 * 1024, 'the resumed get fetched again what it had')

  // Every piece has a source, and the sources are the two seeders.
  const map = await d.json(`/api/v1/downloads/${shared.cid}/pieces`)
  const sources = Buffer.from(map.sources, 'base64')
  assert.equal(sources.length, map.pieces)
  assert.ok(sources.every(b => b !== 0), 'a verified piece without a source')
  const have = Buffer.from(map.have, 'base64')
  assert.ok(have.subarray(0, Math.floor(map.pieces / 8)).every(b => b === 0xff))
  const givers = new Set(map.peers.filter((p: any) => p.pieces > 0).map((p: any) => p.peerId))
  for (const id of givers) assert.ok(seeders.some(s => s.peerId === id), `unknown source ${String(id)}`)
  assert.equal(map.peers.reduce((n: number, p: any) => n + p.pieces, 0), map.pieces, 'each piece is counted once')

  // The event stream told of the progress and the end.
  await waitFor('a done event', () => stream.events.some(e => e.name === 'downloads' && e.data.downloads.some((x: any) => x.state === 'done')))
  const states = stream.events.filter(e => e.name === 'downloads').flatMap(e => e.data.downloads.map((x: any) => x.state))
  for (const state of ['downloading', 'paused', 'done']) assert.ok(states.includes(state), `no '${state}' in the event stream: ${states.join(',')}`)
  assert.ok(stream.events.some(e => e.name === 'library' && e.data.items.some((i: any) => i.cid === shared.cid && i.complete)))

  const metrics = await (await d.call('/metrics')).text()
  assert.match(metrics, /^# TYPE shoal_pieces_verified_total counter$/m)
  // At least every piece once (one verified just as the download was paused may be fetched again).
  assert.ok(metric(metrics, 'shoal_pieces_verified_total') >= map.pieces)
  assert.ok(metric(metrics, 'shoal_downloaded_bytes_total') >= SIZE)
  assert.match(metrics, /^shoal_pieces_rejected_total 0$/m)
  assert.match(metrics, /^shoal_peers_connected [1-9]\d*$/m)
  assert.match(metrics, /^shoal_downloads\{state="done"\} 1$/m)
  assert.match(metrics, /^libp2p_connection_manager_connections\{/m, 'libp2p\'s own metrics are beside Shoal\'s')
  assert.match(metrics, /^process_cpu_seconds_total /m, 'prom-client\'s process metrics')
  assert.match(metrics, /^shoal_dht_operations_total\{operation="(provide|find_providers)",result="(ok|error)"\} \d+$/m)
  assert.match(metrics, /^shoal_api_requests_total\{status="2xx"\} \d+$/m)
  assert.match(metrics, /^shoal_protocol_errors_total\{protocol="\/shoal\/swarm\/1.0.0",kind="bad-piece"\} 0$/m)
})

function metric (text: string, name: string): number {
  const match = new RegExp(`^${name} (\\d+)$`, 'm').exec(text)
  assert.ok(match !== null, `no ${name} in:\n${text}`)
  return Number(match[1])
}

test('peers: connect by multiaddr, list with rates, ban', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const swarm = new TestSwarm()
  const d = await startDaemon(swarm, 'daemon')
  t.after(async () => { await d.daemon.stop(); await swarm.cleanup() })
  const alice = await swarm.node('alice')

  const connected = await d.json('/api/v1/peers', { method: 'POST', body: JSON.stringify({ addr: alice.addrs()[0] }) })
  assert.equal(connected.peerId, alice.peerId)
  const { peers } = await d.json('/api/v1/peers')
  const listed = peers.find((p: any) => p.peerId === alice.peerId)
  assert.ok(listed !== undefined, 'alice is not listed')
  for (const field of ['downloadRate', 'uploadRate', 'downloaded', 'uploaded']) assert.equal(typeof listed[field], 'number')
  assert.equal((await d.call('/api/v1/peers', { method: 'POST', body: JSON.stringify({ addr: 'not a multiaddr' }) })).status, 400)

  assert.equal((await d.call(`/api/v1/peers/${alice.peerId}/ban`, { method: 'POST' })).status, 204)
  await waitFor('the ban to hang up', async () => !(await d.json('/api/v1/peers')).peers.some((p: any) => p.peerId === alice.peerId))
  assert.deepEqual((await d.json('/api/v1/peers')).banned, [alice.peerId])
  assert.equal((await d.call('/api/v1/peers/nonsense/ban', { method: 'POST' })).status, 400)
  assert.match(await (await d.call('/metrics')).text(), /^shoal_peers_banned 1$/m)
})
