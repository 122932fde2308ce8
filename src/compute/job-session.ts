/**
 * The requester's side of one `/shoal/compute/1.0.0` stream: send the job, wait for the worker's
 * commitment (or its refusal or failure), and later ask it to reveal. A reveal that does not match
 * the commitment is a lie.
 */
import type { Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { ShoalLibp2p } from '../net/libp2p.js'
import { commitmentOf } from './commitment.js'
import { COMPUTE_PROTOCOL, JOB_FETCH_MS, REVEAL_WAIT_MS } from './constants.js'
import { FrameReader } from './job-stream.js'
import type { JobSpec } from './job-spec.js'
import { decodeComputeAnswer, encodeComputeFrame, type FailedAnswer, type RefusedAnswer } from './messages.js'

export type CommitOutcome = { kind: 'committed' } | { kind: 'refused', answer: RefusedAnswer } | { kind: 'failed', answer: FailedAnswer } | { kind: 'error', message: string }
export type RevealOutcome = { kind: 'revealed', result: string } | { kind: 'lied', message: string } | { kind: 'error', message: string }

export class JobSession {
  private stream?: Stream
  private reader?: FrameReader
  private commitment?: string
  /** The address we reach the worker on, once the stream is open. */
  remoteAddr?: string

  constructor (private readonly libp2p: ShoalLibp2p, readonly worker: string, private readonly job: string) {}

  /** Sends the job; resolves once the worker committed, refused or failed (never rejects). */
  async commit (spec: JobSpec, origins: string[], signal: AbortSignal): Promise<CommitOutcome> {
    const s = AbortSignal.any([signal, AbortSignal.timeout(JOB_FETCH_MS + spec.limits.timeoutS * 1000)])
    try {
      this.stream = await this.libp2p.dialProtocol(peerIdFromString(this.worker), COMPUTE_PROTOCOL, { signal: s })
      this.remoteAddr = this.libp2p.getConnections(peerIdFromString(this.worker))[0]?.remoteAddr.toString()
      this.reader = new FrameReader(this.stream)
      this.stream.send(encodeComputeFrame({ type: 'job', spec, origins }))
      const answer = decodeComputeAnswer(await this.reader.next(s))
      if (answer.type === 'refused') return { kind: 'refused', answer }
      if (answer.type === 'failed') return { kind: 'failed', answer }
      if (answer.type !== 'commit' || answer.job !== this.job) return { kind: 'error', message: 'answered a job with something else than its commitment' }
      this.commitment = answer.commitment
      return { kind: 'committed' }
    } catch (err: any) {
      this.close()
      return { kind: 'error', message: String(err?.message ?? err).split('\n')[0]! }
    }
  }

  /** Asks a committed worker for its result and checks it against the commitment. */
  async reveal (signal: AbortSignal): Promise<RevealOutcome> {
    const s = AbortSignal.any([signal, AbortSignal.timeout(REVEAL_WAIT_MS)])
    try {
      if (this.stream === undefined || this.reader === undefined || this.commitment === undefined) return { kind: 'error', message: 'not committed' }
      this.stream.send(encodeComputeFrame({ type: 'reveal' }))
      const answer = decodeComputeAnswer(await this.reader.next(s))
      if (answer.type !== 'revealed') return { kind: 'lied', message: `answered reveal with ${answer.type}` }
      if (await commitmentOf(this.job, answer.result, this.worker, answer.nonce) !== this.commitment) return { kind: 'lied', message: 'revealed a result that does not match its commitment' }
      return { kind: 'revealed', result: answer.result }
    } catch (err: any) {
      return { kind: 'error', message: String(err?.message ?? err).split('\n')[0]! }
    } finally {
      this.close()
    }
  }

  close (): void {
    void this.stream?.close().catch(() => {})
  }
}
