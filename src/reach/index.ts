export { reachCapability, reachOf, ReachService, REACH_SERVICE } from './reach-service.js'
export type { ReachOptions, Reachability } from './options.js'
export type { ReachStatus } from './reach-status.js'
