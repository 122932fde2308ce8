import { MAX_EVENT_SUBSCRIBERS } from './constants.js'

/**
 * What the daemon tells its event-stream subscribers (the dashboard, `shoal get` through the
 * daemon). Each event is a name and a JSON-serialisable payload; docs/openapi.yaml lists them.
 */
export type DaemonEventName =
  | 'downloads' // { downloads: DownloadInfo[] }: downloads that changed
  | 'download-removed' // { id }
  | 'library' // { items: ContentSummary[] }: shares and finished downloads, after any change
  | 'peers' // { peers: PeerInfo[] }: connected peers with rates, every second
  | 'stats' // NodeStatus: totals and rates, every second
  | 'log' // LogRecord: the activity feed

export interface DaemonEvent { name: DaemonEventName, data: unknown }

export class TooManySubscribers extends Error {}

/** A bounded fan-out of daemon events. Listeners must not throw; one that does is dropped. */
export class DaemonEvents {
  private readonly listeners = new Set<(event: DaemonEvent) => void>()

  get subscribers (): number {
    return this.listeners.size
  }

  /** Throws TooManySubscribers past MAX_EVENT_SUBSCRIBERS. Returns the unsubscribe function. */
  subscribe (listener: (event: DaemonEvent) => void): () => void {
    if (this.listeners.size >= MAX_EVENT_SUBSCRIBERS) throw new TooManySubscribers(`at most ${MAX_EVENT_SUBSCRIBERS} event subscribers`)
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  emit (name: DaemonEventName, data: unknown): void {
    for (const listener of [...this.listeners]) {
      try {
        listener({ name, data })
      } catch {
        this.listeners.delete(listener)
      }
    }
  }
}
