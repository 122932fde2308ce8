/** Bytes exchanged with each peer since the node started, for status output and the demo. */
export class TransferStats {
  private readonly up = new Map<string, number>()
  private readonly down = new Map<string, number>()
  totalUp = 0
  totalDown = 0

  uploaded (peerId: string, bytes: number): void {
    this.up.set(peerId, (this.up.get(peerId) ?? 0) + bytes)
    this.totalUp += bytes
  }

  downloaded (peerId: string, bytes: number): void {
    this.down.set(peerId, (this.down.get(peerId) ?? 0) + bytes)
    this.totalDown += bytes
  }

  uploadedTo (): Record<string, number> {
    return Object.fromEntries(this.up)
  }

  downloadedFrom (): Record<string, number> {
    return Object.fromEntries(this.down)
  }
}
