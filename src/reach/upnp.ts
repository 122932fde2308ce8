import { uPnPNAT } from '@libp2p/upnp-nat'
import { multiaddr } from '@multiformats/multiaddr'
import type { NetworkExtension } from '../net/libp2p.js'
import type { PublicRanges } from './public-ranges.js'

type ServiceFactory = NonNullable<NetworkExtension['services']>[string]

/** The parts of @libp2p/upnp-nat 4 this wrapper reaches into (not exported as types). */
interface PortMapper { assertNotBehindDoubleNAT: (publicIp: string) => void }
interface UPnPService { portMappers: PortMapper[], onGatewayDiscovered: (event: unknown) => void }

/**
 * libp2p's UPnP port mapping (@libp2p/upnp-nat), with two changes for a router whose WAN address
 * lies in a range stated public (`--public-range`):
 * - upnp-nat refuses such a router as a double NAT (its WAN address is 10.x, "private"): the
 *   stated ranges decide instead (each port mapper's check is wrapped as it is created);
 * - the mapping is taken as confirmed when reachability is stated or ranges are: AutoNAT, which
 *   would confirm it otherwise, needs dial-backs from 4 different /8 networks and never decides
 *   in such a range (docs/architecture.md, "Stated reachability").
 */
export function upnpMapping (ranges: PublicRanges, stated: boolean): ServiceFactory {
  const make = uPnPNAT({ portMappingDescription: 'shoal', autoConfirmAddress: stated || ranges.size > 0 })
  if (ranges.size === 0) return make
  return (components: any) => {
    const service = make(components) as unknown as UPnPService
    const discovered = service.onGatewayDiscovered
    // Replaced before start(), which is when upnp-nat subscribes it to gateway events.
    service.onGatewayDiscovered = (event: unknown) => {
      discovered(event)
      for (const mapper of service.portMappers) {
        const check = mapper.assertNotBehindDoubleNAT.bind(mapper)
        mapper.assertNotBehindDoubleNAT = ip => { if (!isStatedPublic(ranges, ip)) check(ip) }
      }
    }
    return service
  }
}

function isStatedPublic (ranges: PublicRanges, ip: string): boolean {
  try {
    return ranges.isPublic(multiaddr(`/${ip.includes(':') ? 'ip6' : 'ip4'}/${ip}/tcp/1`))
  } catch {
    return false
  }
}
