import { resolve } from 'node:path'
import type { DownloadInfo } from '../../daemon/managed-download.js'
import { ErrorCode, ShoalError } from '../../errors.js'
import { DEFAULT_STALL_TIMEOUT_MS, type DownloadProgress } from '../../node/node.js'
import { parseSeconds, type Parsed } from '../args.js'
import { JSON_PROGRESS_INTERVAL_MS, progressEvent, reportDone } from '../transfer-report.js'
import { ProgressLine, renderProgress } from '../progress-bar.js'
import type { Reporter } from '../reporter.js'
import { signalOnInterrupt } from '../signals.js'
import type { FoundDaemon } from './find-daemon.js'

/** How often the command asks the daemon how the download is going. */
export const POLL_INTERVAL_MS = 250

/**
 * `shoal get` with a daemon running: the daemon downloads (and, afterwards, seeds); the command
 * follows it and prints exactly what it prints without a daemon: `progress` events, then `done`
 * (and `seeding` with --seed), or one `error`. Ctrl+C cancels the download in the daemon, keeping
 * the partial file for a later resume, as it does without one.
 */
export async function getViaDaemon (daemon: FoundDaemon, parsed: Parsed, reporter: Reporter): Promise<number> {
  const target = parsed.positionals[0] as string
  const timeout = parsed.values.timeout !== undefined ? parseSeconds(parsed.values.timeout as string, '--timeout') : DEFAULT_STALL_TIMEOUT_MS / 1000
  const output = resolve((parsed.values.output as string | undefined) ?? '.')
  const interrupt = signalOnInterrupt()
  const line = reporter.tty ? new ProgressLine(process.stderr) : undefined
  const started = await daemon.client.startDownload({ link: target, output, timeoutSeconds: timeout, publisher: parsed.values.publisher as string | undefined })
  let lastJson = 0
  try {
    for (let info = started; ; info = await daemon.client.download(started.id)) {
      if (interrupt.signal.aborted) {
        await daemon.client.removeDownload(started.id).catch(() => {})
        throw new ShoalError(ErrorCode.Aborted, 'download cancelled')
      }
      const progress = progressOf(info)
      line?.update(renderProgress(progress))
      if (reporter.json && (Date.now() - lastJson >= JSON_PROGRESS_INTERVAL_MS || info.state === 'done')) {
        lastJson = Date.now()
        reporter.event(progressEvent(progress))
      }
      if (info.state === 'failed') throw new ShoalError(info.error?.code ?? 'INTERNAL', info.error?.message ?? 'the download failed')
      if (info.state === 'paused') throw new ShoalError(ErrorCode.Aborted, 'the download was paused in the daemon (dashboard or API); resume it there, or run get again')
      if (info.state === 'done' && info.result !== undefined) {
        line?.clear()
        reportDone(info.result, reporter)
        break
      }
      await sleep(POLL_INTERVAL_MS, interrupt.signal)
    }
  } catch (err) {
    line?.clear()
    if (err instanceof ShoalError && err.code === ErrorCode.NotFound) throw new ShoalError(ErrorCode.Aborted, 'the download was cancelled in the daemon')
    throw err
  } finally {
    interrupt.dispose()
  }
  if (parsed.values.seed === true) {
    const status = await daemon.client.status()
    reporter.event({ event: 'seeding', peerId: status.peerId, addrs: status.addrs })
    reporter.note(`Seeded by the shoal daemon (pid ${daemon.pid}); it keeps serving after this command exits.`)
  }
  return 0
}

function progressOf (info: DownloadInfo): DownloadProgress {
  return {
    cid: info.cid,
    phase: info.state === 'done' ? 'done' : info.state === 'finding' || info.pieces === 0 ? 'finding' : 'downloading',
    name: info.name,
    totalBytes: info.totalBytes,
    verifiedBytes: info.verifiedBytes,
    receivedBytes: info.receivedBytes,
    pieces: info.pieces,
    piecesDone: info.piecesDone,
    peers: info.peers,
    bytesPerSecond: info.bytesPerSecond
  }
}

async function sleep (ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return
  await new Promise<void>(resolve => {
    const done = (): void => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}
