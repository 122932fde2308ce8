import { randomBytes } from 'node:crypto'
import { DIRECT_TICKET_TTL_MS, MAX_TICKETS, MAX_TICKETS_PER_ADDRESS, MAX_TICKETS_PER_PEER, TICKET_ID_BYTES, TICKET_KEY_BYTES } from './constants.js'

/** One use of the direct port: a TLS 1.3 pre-shared key and the identity that names it. */
export interface Ticket { id: Uint8Array, key: Uint8Array }

interface Issued { peerId: string, address: string, key: Buffer, expires: number }

/**
 * The tickets a node has handed out for its direct port. A ticket goes, over the authenticated
 * libp2p connection, only to the peer that asked for it; the TLS handshake on the direct port
 * then proves the client holds it (and the server that it issued it), so a direct connection is
 * bound to that peer ID without certificates. Single use, short-lived, bounded in number.
 */
export class TicketBook {
  private readonly issued = new Map<string, Issued>()

  constructor (private readonly now: () => number = Date.now) {}

  /**
   * A new ticket for `peerId`, connected from `address` (budget/address.ts); undefined if it, its
   * address, or everyone holds too many unused ones.
   */
  issue (peerId: string, address: string): Ticket | undefined {
    this.expire()
    let held = 0
    let fromAddress = 0
    for (const t of this.issued.values()) {
      if (t.peerId === peerId) held++
      if (t.address === address) fromAddress++
    }
    if (held >= MAX_TICKETS_PER_PEER || fromAddress >= MAX_TICKETS_PER_ADDRESS || this.issued.size >= MAX_TICKETS) return undefined
    const id = randomBytes(TICKET_ID_BYTES)
    const key = randomBytes(TICKET_KEY_BYTES)
    this.issued.set(id.toString('hex'), { peerId, address, key, expires: this.now() + DIRECT_TICKET_TTL_MS })
    return { id, key }
  }

  /** Uses up the ticket with this identity (hex): its key and peer, or undefined if unknown or expired. */
  redeem (identity: string): { peerId: string, key: Buffer } | undefined {
    const ticket = this.issued.get(identity)
    if (ticket === undefined) return undefined
    this.issued.delete(identity)
    return ticket.expires >= this.now() ? { peerId: ticket.peerId, key: ticket.key } : undefined
  }

  /** Forgets every ticket of `peerId` (it was banned). */
  revoke (peerId: string): void {
    for (const [id, t] of this.issued) if (t.peerId === peerId) this.issued.delete(id)
  }

  get size (): number {
    return this.issued.size
  }

  private expire (): void {
    const now = this.now()
    for (const [id, t] of this.issued) if (t.expires < now) this.issued.delete(id)
  }
}
