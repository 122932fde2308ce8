import { BlockList, isIP } from 'node:net'
import { isPrivate } from '@libp2p/utils'
import type { Multiaddr } from '@multiformats/multiaddr'
import { ErrorCode, ShoalError } from '../errors.js'

/**
 * Which IP addresses count as public: those libp2p counts so (not 10/8, 192.168/16, 100.64/10,
 * loopback…), plus the ranges stated with `--public-range` (a lab or a campus network whose
 * private range stands for the internet). Hole punching only tries public addresses, and the
 * node's own reachability is read with the same rule.
 */
export class PublicRanges {
  private readonly stated = new BlockList()
  readonly size: number

  constructor (cidrs: readonly string[] = []) {
    for (const cidr of cidrs) {
      const [ip, bits] = parseCidr(cidr)
      this.stated.addSubnet(ip, bits, isIP(ip) === 6 ? 'ipv6' : 'ipv4')
    }
    this.size = cidrs.length
  }

  /** Whether `addr` is an IP address others on the internet (or the stated range) can reach. */
  isPublic (addr: Multiaddr): boolean {
    const ip = addr.getComponents().find(c => c.name === 'ip4' || c.name === 'ip6')
    if (ip?.value === undefined) return false
    if (this.size > 0 && this.stated.check(ip.value, ip.name === 'ip6' ? 'ipv6' : 'ipv4')) return true
    return isPrivate(addr) === false
  }
}

/** `10.82.0.0/16` → ['10.82.0.0', 16]; refuses anything else with BAD_ARGUMENT. */
export function parseCidr (cidr: string): [string, number] {
  const match = /^([0-9a-fA-F.:]+)\/(\d{1,3})$/.exec(cidr.trim())
  const family = match !== null ? isIP(match[1] as string) : 0
  const bits = Number(match?.[2])
  if (match === null || family === 0 || bits > (family === 6 ? 128 : 32)) {
    throw new ShoalError(ErrorCode.BadArgument, `--public-range takes an address range such as 10.82.0.0/16: got '${cidr.slice(0, 60)}'`)
  }
  return [match[1] as string, bits]
}
