/**
 * Where the web page comes from (api/page-server.ts): the daemon serves it at /get without the
 * API token, read-only, with a CSP that lets it load only its own files and talk only to peers
 * over WebSockets; `shoal web`'s server serves the same files and nothing else.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { PAGE_CSP, pageHostFor, startPageServer } from '../../src/api/page-server.js'
import { startDaemon } from '../helpers/daemon.js'
import { TestSwarm } from '../helpers/swarm.js'

test('the daemon serves the page at /get without a token, and nothing else without one', { timeout: 60_000 }, async (t) => {
  const swarm = new TestSwarm()
  t.after(async () => await swarm.cleanup())
  const d = await startDaemon(swarm, 'daemon')
  t.after(async () => await d.daemon.stop())

  const redirect = await d.call('/get', { token: null, redirect: 'manual' })
  assert.equal(redirect.status, 308)
  assert.equal(redirect.headers.get('location'), '/get/')
  const html = await d.call('/get/', { token: null })
  assert.equal(html.status, 200)
  assert.match(html.headers.get('content-type') ?? '', /^text\/html/)
  assert.equal(html.headers.get('content-security-policy'), PAGE_CSP)
  assert.match(await html.text(), /<script type="module" src="shoal-page.js">/)
  for (const file of ['shoal-page.js', 'opfs-worker.js']) {
    const script = await d.call(`/get/${file}`, { token: null })
    assert.equal(script.status, 200, file)
    assert.match(script.headers.get('content-type') ?? '', /^text\/javascript/)
    assert.doesNotMatch(await script.text(), /from\s*["']node:/, `${file} imports a Node built-in`)
  }
  assert.equal((await d.call('/get/../api/v1/node', { token: null })).status, 401, 'the page route opens no API path')
  assert.equal((await d.call('/get/nothing.js', { token: null })).status, 404)
  assert.equal((await d.call('/get/', { token: null, method: 'POST' })).status, 405)
})

test("shoal web's server serves the page and nothing else", { timeout: 30_000 }, async (t) => {
  const server = await startPageServer('127.0.0.1', 0)
  t.after(async () => await server.close())
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/get\/$/)
  const page = await fetch(server.url)
  assert.equal(page.status, 200)
  assert.match(await page.text(), /shoal-page\.js/)
  const root = await fetch(new URL('/', server.url), { redirect: 'manual' })
  assert.equal(root.status, 308, 'the root leads to the page')
  assert.equal((await fetch(new URL('/api/v1/node', server.url))).status, 404)
  assert.equal((await fetch(server.url, { method: 'POST' })).status, 405)
})

test("share's page is served where its WebSockets are, and the web link names an address others can reach", () => {
  const id = '12D3KooWELxRWUknLhRSsmjai2SSanH8VUWpN5bVKVxt9quUbhXM'
  const tcp = `/ip4/127.0.0.1/tcp/4001/p2p/${id}`
  // A node listening on 0.0.0.0: its addresses are loopback's first, then the LAN's.
  const wide = [tcp, `/ip4/127.0.0.1/tcp/4003/ws/p2p/${id}`, `/ip4/192.0.2.2/tcp/4003/ws/p2p/${id}`]
  assert.deepEqual(pageHostFor(wide), { listen: '0.0.0.0', shown: '192.0.2.2' })
  assert.deepEqual(pageHostFor([`/ip6/::1/tcp/4003/ws/p2p/${id}`, `/ip6/fd00::2/tcp/4003/ws/p2p/${id}`]), { listen: '::', shown: 'fd00::2' })
  // A node kept to loopback keeps its page there.
  assert.deepEqual(pageHostFor([tcp, `/ip4/127.0.0.1/tcp/4003/ws/p2p/${id}`]), { listen: '127.0.0.1', shown: '127.0.0.1' })
  assert.equal(pageHostFor([tcp]), undefined, 'no WebSockets (--no-ws): no page, no web link')
})

test('a page server on every interface names the given host in its URL', { timeout: 30_000 }, async (t) => {
  // Listens on loopback only (no traffic elsewhere), named as another host would be.
  const server = await startPageServer('127.0.0.1', 0, '192.0.2.2')
  t.after(async () => await server.close())
  assert.match(server.url, /^http:\/\/192\.0\.2\.2:\d+\/get\/$/)
})
