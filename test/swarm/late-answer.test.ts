/**
 * A requester's question that timed out (a busy peer, a busy link) may still get its answer: that
 * late answer is dropped, once, instead of closing the session as an unsolicited message (in a
 * flash crowd of 16 on two cores, `peers` answers after the timeout closed sessions and scored
 * honest peers). A second unasked answer is still a protocol violation.
 */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import type { Pipe } from '../../src/net/pipe.js'
import { PeerSession } from '../../src/swarm/requester/peer-session.js'
import { ProtocolViolation, PeerStalled } from '../../src/swarm/common/faults.js'
import { HANDSHAKE_TIMEOUT_MS } from '../../src/swarm/common/constants.js'
import { encodeMessage } from '../../src/swarm/wire/index.js'
import type { Message } from '../../src/swarm/wire/index.js'

/** A pipe whose incoming bytes the test pushes; what the session sends is dropped. */
function fakePipe (): { pipe: Pipe, push: (m: Message) => void } {
  const queue: Uint8Array[] = []
  let wake: (() => void) | undefined
  const pipe: Pipe = {
    kind: 'direct',
    writable: true,
    send: () => true,
    unsentBytes: () => 0,
    drained: async () => {},
    close: async () => {},
    abort: () => {},
    [Symbol.asyncIterator]: () => ({
      async next () {
        while (queue.length === 0) await new Promise<void>(resolve => { wake = resolve })
        return { done: false, value: queue.shift() as Uint8Array }
      }
    })
  }
  const push = (m: Message): void => {
    queue.push(Buffer.concat(encodeMessage(m)))
    wake?.()
  }
  return { pipe, push }
}

test('an answer that comes after its question timed out is dropped once; another unasked one closes the session', async (t) => {
  const { pipe, push } = fakePipe()
  push({ type: 'bitfield', pieceCount: 8, bits: Uint8Array.of(0xff) })
  const session = await PeerSession.open('peer', pipe, Uint8Array.of(1, 2, 3)) as PeerSession
  let closedWith: Error | undefined
  let closed = false
  session.start({ onHave: () => {}, onPiece: () => {}, onReject: () => {}, onClose: (_s, err) => { closed = true; closedWith = err } })
  t.mock.timers.enable({ apis: ['setTimeout'] })
  const asked = session.getPeers()
  await new Promise(resolve => setImmediate(resolve))
  t.mock.timers.tick(HANDSHAKE_TIMEOUT_MS)
  await assert.rejects(asked, (err: unknown) => err instanceof PeerStalled)
  t.mock.timers.reset()
  push({ type: 'peers', peers: [] })
  await new Promise(resolve => setTimeout(resolve, 20))
  assert.equal(closed, false, 'the late answer closed the session')
  push({ type: 'peers', peers: [] })
  await new Promise(resolve => setTimeout(resolve, 20))
  assert.ok(closedWith instanceof ProtocolViolation, `expected a protocol violation, got ${String(closedWith)}`)
})
