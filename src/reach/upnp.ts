import type { uPnPNAT as UPnPNAT } from '@libp2p/upnp-nat'
import { multiaddr } from '@multiformats/multiaddr'
import type { NetworkExtension } from '../net/libp2p.js'
import type { PublicRanges } from './public-ranges.js'

type ServiceFactory = NonNullable<NetworkExtension['services']>[string]

/** The parts of @libp2p/upnp-nat 4 and its gateways this wrapper reaches into (not exported as types). */
interface PortMapper { assertNotBehindDoubleNAT: (publicIp: string) => void }
interface Gateway { map: (port: number, host: string, options?: { protocol?: 'TCP' | 'UDP' }) => Promise<unknown> }
interface UPnPService { portMappers: PortMapper[], onGatewayDiscovered: (event: { detail: Gateway }) => void }

/**
 * Ports mapped beside libp2p's own on the same host: Shoal's direct TCP port (net/direct/), set once
 * the node listens (reach-service.ts). Without it a peer coming through the mapping would wait
 * DIRECT_CONNECT_TIMEOUT_MS for a direct connection before falling back to libp2p (measured in
 * `npm run bench -- nat`: 0.84 of the no-NAT throughput, ~3 s lost on 32 MiB).
 */
export class ExtraPorts {
  readonly ports = new Set<number>()
}

let uPnPNAT: typeof UPnPNAT | undefined

/** Loads @libp2p/upnp-nat (and its XML and SSDP modules): only a node that maps ports needs them. */
export async function loadUpnp (): Promise<void> {
  uPnPNAT ??= (await import('@libp2p/upnp-nat')).uPnPNAT
}

/**
 * libp2p's UPnP port mapping (@libp2p/upnp-nat), with two changes for a router whose WAN address
 * lies in a range stated public (`--public-range`):
 * - upnp-nat refuses such a router as a double NAT (its WAN address is 10.x, "private"): the
 *   stated ranges decide instead (each port mapper's check is wrapped as it is created);
 * - the mapping is taken as confirmed when reachability is stated or ranges are: AutoNAT, which
 *   would confirm it otherwise, needs dial-backs from 4 different /8 networks and never decides
 *   in such a range (docs/architecture.md, "Stated reachability").
 */
export function upnpMapping (ranges: PublicRanges, stated: boolean, extra: ExtraPorts): ServiceFactory {
  return (components: any) => {
    if (uPnPNAT === undefined) throw new Error('loadUpnp() was not awaited before the UPnP service was made')
    const make = uPnPNAT({ portMappingDescription: 'shoal', autoConfirmAddress: stated || ranges.size > 0 })
    const service = make(components) as unknown as UPnPService
    const discovered = service.onGatewayDiscovered
    // Replaced before start(), which is when upnp-nat subscribes it to gateway events.
    service.onGatewayDiscovered = event => {
      mapExtraPorts(event.detail, extra)
      discovered(event)
      if (ranges.size === 0) return
      for (const mapper of service.portMappers) {
        const check = mapper.assertNotBehindDoubleNAT.bind(mapper)
        mapper.assertNotBehindDoubleNAT = ip => { if (!isStatedPublic(ranges, ip)) check(ip) }
      }
    }
    return service
  }
}

/** Once the gateway maps a port of libp2p's for a host, it maps the extra ports for that host too. */
function mapExtraPorts (gateway: Gateway, extra: ExtraPorts): void {
  const map = gateway.map.bind(gateway)
  const done = new Set<string>()
  gateway.map = async (port, host, options) => {
    const mapping = await map(port, host, options)
    for (const other of extra.ports) {
      const key = `${host}:${other}`
      if (other === port || done.has(key)) continue
      done.add(key)
      // The gateway keeps and refreshes it with libp2p's, and removes it when the node stops.
      await map(other, host, { protocol: 'TCP' }).catch(() => { done.delete(key) })
    }
    return mapping
  }
}

function isStatedPublic (ranges: PublicRanges, ip: string): boolean {
  try {
    return ranges.isPublic(multiaddr(`/${ip.includes(':') ? 'ip6' : 'ip4'}/${ip}/tcp/1`))
  } catch {
    return false
  }
}
