import { autoNAT } from '@libp2p/autonat'
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { multiaddr } from '@multiformats/multiaddr'
import type { NetworkExtension } from '../net/libp2p.js'
import {
  RELAY_CIRCUIT_BYTES, RELAY_CIRCUIT_DURATION_MS, RELAY_HOP_TIMEOUT_MS,
  RELAY_MAX_HOP_STREAMS, RELAY_MAX_RESERVATIONS, RELAY_RESERVATIONS, RELAY_RESERVATION_TTL_MS
} from './constants.js'
import type { ReachOptions } from './options.js'
import { addressOrder } from './address-order.js'
import { holePunching } from './hole-punch.js'
import { PublicRanges } from './public-ranges.js'
import { PunchPort } from './punch-port.js'
import { ExtraPorts, loadUpnp, upnpMapping } from './upnp.js'

/**
 * What reachability adds to the libp2p node: the circuit-relay transport (dial and be dialled
 * through relays; RELAY_RESERVATIONS `/p2p-circuit` listen addresses make it find relays among
 * connected, bootstrap and DHT peers and keep a reservation on each), a bounded relay service,
 * DCUtR (with the fixes TCP hole punching needs: hole-punch.ts), AutoNAT and UPnP. Everything
 * comes from libp2p's own packages.
 */
export function reachNetwork (options: ReachOptions, listen: string[], punch = new PunchPort(new PublicRanges(options.publicRanges)), extraPorts = new ExtraPorts()): NetworkExtension {
  const stated = options.reachability
  const short = options.shortLived === true
  const services: NonNullable<NetworkExtension['services']> = {
    dcutr: holePunching(punch)
  }
  if (stated !== 'private' && options.relayService !== false && !short) services.relay = relayService(options.relayData)
  if (stated === undefined && !short) services.autonat = autoNAT()
  const upnp = options.upnp !== false && stated !== 'public' && !short && listen.some(isRoutableListen)
  if (upnp) services.upnp = upnpMapping(punch.ranges, stated !== undefined, extraPorts)
  return {
    ...(upnp ? { load: loadUpnp } : {}),
    transports: [circuitRelayTransport({ reservationCompletionTimeout: RELAY_HOP_TIMEOUT_MS })],
    services,
    listen: stated === 'public' || short ? [] : Array.from({ length: RELAY_RESERVATIONS }, () => '/p2p-circuit'),
    ...(punch.ranges.size > 0 ? { addressSorter: addressOrder(punch.ranges) } : {})
  }
}

function relayService (relayData: number | undefined): NonNullable<NetworkExtension['services']>[string] {
  return circuitRelayServer({
    hopTimeout: RELAY_HOP_TIMEOUT_MS,
    maxInboundHopStreams: RELAY_MAX_HOP_STREAMS,
    maxOutboundStopStreams: RELAY_MAX_HOP_STREAMS,
    reservations: {
      maxReservations: RELAY_MAX_RESERVATIONS,
      reservationTtl: RELAY_RESERVATION_TTL_MS,
      // A data relay's circuits are unlimited (the connection then counts as a full one and may
      // carry pieces); a signalling relay's end at RELAY_CIRCUIT_BYTES / RELAY_CIRCUIT_DURATION_MS.
      applyDefaultLimit: relayData === undefined,
      defaultDurationLimit: RELAY_CIRCUIT_DURATION_MS,
      defaultDataLimit: RELAY_CIRCUIT_BYTES
    }
  })
}

/** A listen address on a host other than loopback: only such a node has ports worth mapping. */
function isRoutableListen (addr: string): boolean {
  let ip: string | undefined
  try {
    ip = multiaddr(addr).getComponents().find(c => c.name === 'ip4' || c.name === 'ip6')?.value
  } catch {
    return false // not a multiaddr: createNetwork says so to the user
  }
  return ip !== undefined && ip !== '::1' && !ip.startsWith('127.')
}
