import { ErrorCode, ShoalError } from '../errors.js'
import type { DownloadInfo } from '../daemon/managed-download.js'
import type { ContentSummary } from '../node/node.js'
import { API_PREFIX } from './constants.js'
import type { NodeStatus, PeerInfo, ShareInfo } from './context.js'

/** One API call may take this long (a status check, a list). */
export const REQUEST_TIMEOUT_MS = 10_000
/** Sharing hashes the whole content in the daemon before it answers: allow for big folders. */
export const SHARE_TIMEOUT_MS = 6 * 60 * 60 * 1000

/**
 * A client of the daemon's HTTP API, as the CLI uses it. Errors come back as the ShoalErrors the
 * daemon reported (same code and message); a daemon that cannot be reached is NO_DAEMON.
 */
export class ApiClient {
  constructor (readonly url: string, private readonly token: string) {}

  async status (timeoutMs = REQUEST_TIMEOUT_MS): Promise<NodeStatus> {
    return await this.request<NodeStatus>('GET', '/node', undefined, timeoutMs)
  }

  async share (path: string, signal?: AbortSignal, pieceSize?: number, secret?: boolean): Promise<ShareInfo> {
    return await this.request<ShareInfo>('POST', '/shares', { path, pieceSize, secret }, SHARE_TIMEOUT_MS, signal)
  }

  async library (): Promise<ContentSummary[]> {
    return (await this.request<{ shares: ContentSummary[] }>('GET', '/shares')).shares
  }

  async startDownload (request: { link: string, output?: string, timeoutSeconds?: number, publisher?: string }): Promise<DownloadInfo> {
    return await this.request<DownloadInfo>('POST', '/downloads', request)
  }

  async downloads (): Promise<DownloadInfo[]> {
    return (await this.request<{ downloads: DownloadInfo[] }>('GET', '/downloads')).downloads
  }

  async download (id: string): Promise<DownloadInfo> {
    return await this.request<DownloadInfo>('GET', `/downloads/${encodeURIComponent(id)}`)
  }

  async removeDownload (id: string): Promise<void> {
    await this.request('DELETE', `/downloads/${encodeURIComponent(id)}`)
  }

  async peers (): Promise<{ peers: PeerInfo[], banned: string[] }> {
    return await this.request<{ peers: PeerInfo[], banned: string[] }>('GET', '/peers')
  }

  async request<T = unknown> (method: string, path: string, body?: unknown, timeoutMs = REQUEST_TIMEOUT_MS, signal?: AbortSignal): Promise<T> {
    let response: Response
    try {
      response = await fetch(`${this.url}${API_PREFIX}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${this.token}`,
          ...(body !== undefined ? { 'Content-Type': 'application/json' } : {})
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), ...(signal !== undefined ? [signal] : [])])
      })
    } catch (err: any) {
      if (signal?.aborted === true) throw new ShoalError(ErrorCode.Aborted, 'interrupted')
      if (err?.name === 'TimeoutError') throw new ShoalError(ErrorCode.Timeout, `the daemon at ${this.url} did not answer within ${Math.round(timeoutMs / 1000)} s`)
      throw new ShoalError(ErrorCode.NoDaemon, `cannot reach the daemon at ${this.url}: ${String(err?.cause?.code ?? err?.message ?? err)}`)
    }
    const text = await response.text()
    if (!response.ok) {
      let error: { code?: unknown, message?: unknown } | undefined
      try {
        error = (JSON.parse(text) as { error?: { code?: unknown, message?: unknown } }).error
      } catch {}
      throw new ShoalError(typeof error?.code === 'string' ? error.code : 'INTERNAL',
        typeof error?.message === 'string' ? error.message : `the daemon answered ${response.status}`)
    }
    return (text === '' ? undefined : JSON.parse(text)) as T
  }
}
