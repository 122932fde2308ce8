import type { NodeOptions } from './node.js'
import type { Capability } from './service.js'
import { storageCapability } from '../storage/service.js'
import { computeCapability } from '../compute/service.js'
import { reachCapability } from '../reach/index.js'
import { DEFAULT_LISTEN } from '../net/libp2p.js'

/**
 * The capabilities a node runs for its options, in start order (stopped in reverse). Each comes
 * from its own folder (src/reach/, src/storage/, src/compute/…); this list is the only place that
 * names them, so node.ts stays a composer.
 */
export function capabilitiesFor (options: NodeOptions): Capability[] {
  const capabilities: Capability[] = []
  if (options.reach !== false) capabilities.push(reachCapability(options.reach ?? {}, options.listen ?? DEFAULT_LISTEN))
  if (options.storage !== false) capabilities.push(storageCapability(options.storage))
  if (options.compute !== undefined) capabilities.push(computeCapability(options.compute))
  for (const extra of options.capabilities ?? []) capabilities.push(extra)
  return capabilities
}
