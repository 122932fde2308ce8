import type { ConnectionOptions } from 'node:tls'
import { DIRECT_ALPN, DIRECT_CIPHERS } from './constants.js'

/**
 * What both ends of a direct connection use: TLS 1.3 only, authenticated by a ticket's
 * pre-shared key (psk_dhe_ke: an ECDHE exchange as well, so past traffic stays secret even if a
 * ticket leaked later), no certificates, and Shoal's ALPN.
 */
export function directTlsOptions (): Pick<ConnectionOptions, 'minVersion' | 'ciphers' | 'ALPNProtocols'> {
  return { minVersion: 'TLSv1.3', ciphers: DIRECT_CIPHERS, ALPNProtocols: [DIRECT_ALPN] }
}
