/** The HTTP API's small parts: Range parsing, the router, the token check, upload names. */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { parseRange } from '../../src/api/gateway/range.js'
import { Router } from '../../src/api/router.js'
import { tokenMatches } from '../../src/api/auth.js'
import { safeUploadName } from '../../src/daemon/uploads.js'
import { parseApiAddress } from '../../src/cli/commands/daemon.js'

test('Range: single ranges, suffixes, open ends, and what is ignored or unsatisfiable', () => {
  assert.deepEqual(parseRange('bytes=0-99', 1000), { start: 0, end: 99 })
  assert.deepEqual(parseRange('bytes=900-', 1000), { start: 900, end: 999 })
  assert.deepEqual(parseRange('bytes=-100', 1000), { start: 900, end: 999 })
  assert.deepEqual(parseRange('bytes=-5000', 1000), { start: 0, end: 999 })
  assert.deepEqual(parseRange('bytes=500-5000', 1000), { start: 500, end: 999 })
  assert.equal(parseRange(undefined, 1000), undefined)
  assert.equal(parseRange('bytes=0-1,5-6', 1000), undefined, 'several ranges: the whole file')
  assert.equal(parseRange('items=0-1', 1000), undefined)
  assert.equal(parseRange('bytes=9-3', 1000), undefined)
  assert.equal(parseRange('bytes=1000-', 1000), 'unsatisfiable')
  assert.equal(parseRange('bytes=-0', 1000), 'unsatisfiable')
})

test('router: parameters, a rest parameter, 405 information, order', () => {
  const r = new Router()
  const noop = (): void => {}
  r.add('GET', '/api/v1/downloads/{id}', noop)
  r.add('POST', '/api/v1/downloads/{id}/pause', noop)
  r.add('GET', '/content/{cid}/{path+}', noop)
  r.add('GET', '/{file+}', noop, { auth: false, fallback: true })
  const a = r.match('GET', '/api/v1/downloads/bag%20x')
  assert.ok(a !== undefined && 'route' in a)
  assert.deepEqual(a.params, { id: 'bag x' })
  assert.equal(a.route.auth, true)
  const b = r.match('GET', '/content/bag/dir/sub/file.mp4')
  assert.ok(b !== undefined && 'route' in b)
  assert.deepEqual(b.params, { cid: 'bag', path: 'dir/sub/file.mp4' })
  assert.deepEqual(r.match('DELETE', '/api/v1/downloads/x/pause'), { allowed: ['POST'] })
  const c = r.match('GET', '/app.js')
  assert.ok(c !== undefined && 'route' in c && c.route.auth === false)
})

test('tokens compare exactly', () => {
  assert.ok(tokenMatches('abc123', 'abc123'))
  assert.ok(!tokenMatches('abc124', 'abc123'))
  assert.ok(!tokenMatches('abc', 'abc123'))
  assert.ok(!tokenMatches(undefined, 'abc123'))
})

test('upload names lose folders, control characters and a leading dot', () => {
  assert.equal(safeUploadName('../../etc/passwd'), 'passwd')
  assert.equal(safeUploadName('C:\\Users\\me\\movie.mp4'), 'movie.mp4')
  assert.equal(safeUploadName('.bashrc'), '_bashrc')
  assert.equal(safeUploadName('a\u0000b\nc.txt'), 'abc.txt')
  assert.throws(() => safeUploadName('..'), (err: any) => err.code === 'BAD_ARGUMENT')
  assert.throws(() => safeUploadName('/'), (err: any) => err.code === 'BAD_ARGUMENT')
  assert.equal(safeUploadName('x'.repeat(300) + '.mkv').length, 200)
})

test('--api takes host:port, [v6]:port or a port', () => {
  assert.deepEqual(parseApiAddress('127.0.0.1:5110'), { host: '127.0.0.1', port: 5110 })
  assert.deepEqual(parseApiAddress('[::1]:0'), { host: '::1', port: 0 })
  assert.deepEqual(parseApiAddress('6000'), { host: '127.0.0.1', port: 6000 })
  assert.deepEqual(parseApiAddress('localhost:7000'), { host: 'localhost', port: 7000 })
  assert.throws(() => parseApiAddress('nope'), (err: any) => err.code === 'BAD_ARGUMENT')
  assert.throws(() => parseApiAddress('1.2.3.4:70000'), (err: any) => err.code === 'BAD_ARGUMENT')
})
