import type { NodeOptions } from './node.js'
import type { Capability } from './service.js'
import { storageCapability } from '../storage/service.js'
import { computeCapability } from '../compute/service.js'
import { reachCapability } from '../reach/index.js'
import { DEFAULT_LISTEN } from '../net/libp2p.js'
import { bootstrapRetryCapability } from '../discovery/bootstrap-retry.js'

/**
 * The capabilities a node runs for its options, in start order (stopped in reverse). Each comes
 * from its own folder (src/reach/, src/storage/, src/compute/…); this list is the only place that
 * names them, so node.ts stays a composer.
 */
export function capabilitiesFor (options: NodeOptions): Capability[] {
  const capabilities: Capability[] = []
  if (options.reach !== false) capabilities.push(reachCapability(options.reach ?? {}, options.listen ?? DEFAULT_LISTEN))
  if (options.storage !== false) capabilities.push(storageCapability(options.storage))
  // On for every node (as storage): any node can run jobs, and keeps and checks agreed-result records in the DHT; a worker only with slots.
  capabilities.push(computeCapability(options.compute ?? {}))
  if ((options.bootstrap ?? []).length > 0) capabilities.push(bootstrapRetryCapability(options.bootstrap ?? []))
  for (const extra of options.capabilities ?? []) capabilities.push(extra)
  return capabilities
}
