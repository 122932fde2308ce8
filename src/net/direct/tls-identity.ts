import type { PeerId, PrivateKey } from '@libp2p/interface'
import type { ConnectionOptions, TLSSocket } from 'node:tls'
import { generateCertificate, verifyPeerCertificate } from '@libp2p/tls/utils'
import { DIRECT_ALPN } from './constants.js'

/**
 * The node's certificate for direct connections: a libp2p TLS certificate (the libp2p TLS spec's
 * public-key extension, signed with the node's Ed25519 key), made once per run. Each side checks
 * the other's certificate the way libp2p's own TLS encrypter does, so a direct connection is as
 * authenticated as a libp2p one: the remote end holds the private key of the peer ID it claims.
 */
export class TlsIdentity {
  private constructor (private readonly pem: { cert: string, key: string }) {}

  static async create (privateKey: PrivateKey): Promise<TlsIdentity> {
    return new TlsIdentity(await generateCertificate(privateKey))
  }

  /** TLS 1.3 with our certificate; the peer's certificate is checked by `peerOf`, not by a CA. */
  options (): Pick<ConnectionOptions, 'cert' | 'key' | 'minVersion' | 'rejectUnauthorized' | 'ALPNProtocols'> {
    return {
      cert: this.pem.cert,
      key: this.pem.key,
      minVersion: 'TLSv1.3',
      rejectUnauthorized: false,
      ALPNProtocols: [DIRECT_ALPN]
    }
  }

  /**
   * The peer ID the socket's certificate proves (rejects if there is none, it is invalid, or it is
   * not `expected`), after checking the ALPN.
   */
  static async peerOf (socket: TLSSocket, expected?: PeerId): Promise<PeerId> {
    if (socket.alpnProtocol !== DIRECT_ALPN) throw new Error('not a Shoal direct connection (ALPN)')
    const cert = socket.getPeerCertificate()
    if (cert?.raw === undefined) throw new Error('the peer sent no certificate')
    return await verifyPeerCertificate(new Uint8Array(cert.raw), expected)
  }
}
