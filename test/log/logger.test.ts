import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { Logger } from '../../src/log/logger.js'
import { parseLogLevel } from '../../src/log/levels.js'
import { ShoalError } from '../../src/errors.js'

function capture (): { out: { write: (t: string) => boolean, isTTY?: boolean }, lines: string[] } {
  const lines: string[] = []
  return { out: { write: (t: string) => { lines.push(t); return true } }, lines }
}

test('JSON lines when not on a terminal, with fields, child fields and errors', () => {
  const { out, lines } = capture()
  const log = new Logger({ level: 'info', out }).child({ component: 'api' })
  log.info('download finished', { cid: 'bag', bytes: 3 })
  log.warn('failed', { error: new ShoalError('TIMEOUT', 'too slow') })
  log.debug('hidden')
  assert.equal(lines.length, 2)
  const first = JSON.parse(lines[0]!)
  assert.equal(first.level, 'info')
  assert.equal(first.msg, 'download finished')
  assert.equal(first.component, 'api')
  assert.equal(first.cid, 'bag')
  assert.ok(!Number.isNaN(Date.parse(first.time)))
  assert.deepEqual(JSON.parse(lines[1]!).error, { message: 'too slow', code: 'TIMEOUT' })
})

test('text on a terminal; levels filter; subscribers see what passes', () => {
  const { out, lines } = capture()
  out.isTTY = true
  const log = new Logger({ level: 'warn', out, format: 'text' })
  const seen: string[] = []
  log.subscribe(r => seen.push(r.msg))
  log.info('quiet')
  log.error('loud', { peerId: 'abc', note: 'two words' })
  assert.equal(lines.length, 1)
  assert.match(lines[0]!, /ERROR.*loud.*peerId=abc.*note="two words"/)
  assert.deepEqual(seen, ['loud'])
})

test('--log-level takes error, warn, info, debug', () => {
  assert.equal(parseLogLevel('DEBUG'), 'debug')
  assert.throws(() => parseLogLevel('verbose'), (err: any) => err.code === 'BAD_ARGUMENT')
})
