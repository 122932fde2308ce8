/**
 * A network namespace of its own for WebRTC between pages: headless Chromium gathers host
 * candidates only on a non-loopback interface with a default route, so the namespace has a veth
 * with an address of the benchmarking range and a default route on it that leads nowhere. Every
 * packet stays in the namespace. Used by the page-to-page test and `npm run bench -- browser`.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process'

/** Set inside the namespace, for the process run there to know it. */
export const IN_NAMESPACE = 'SHOAL_IN_NETNS'
/** Loopback, and the veth with its address and default route. */
const NAMESPACE_SETUP = [
  'ip link set lo up',
  'ip link add shoal0 type veth peer name shoal1',
  'ip addr add 198.18.0.1/24 dev shoal0',
  'ip link set shoal0 up',
  'ip link set shoal1 up',
  'ip route add default dev shoal0'
].join(' && ')

export function inNamespace (): boolean {
  return process.env[IN_NAMESPACE] === '1'
}

/** Why a namespace cannot be made here; undefined when it can. */
export function namespaceSkipReason (): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root for a network namespace (unshare -n)'
  if (spawnSync('unshare', ['--version'], { stdio: 'ignore' }).status !== 0) return 'no unshare to make a network namespace with'
  if (spawnSync('ip', ['-V'], { stdio: 'ignore' }).status !== 0) return 'no ip (iproute2) to set up a network namespace with'
  return undefined
}

/** Runs this Node with `args` in a fresh namespace (NODE_TEST_CONTEXT dropped: a test run of its own). */
export function runInNamespace (args: string[], timeoutMs: number): SpawnSyncReturns<string> {
  const { NODE_TEST_CONTEXT: _, ...env } = process.env
  return spawnSync('unshare', ['-n', 'sh', '-c', `${NAMESPACE_SETUP} && exec "$0" "$@"`, process.execPath, ...args], {
    env: { ...env, [IN_NAMESPACE]: '1' }, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024
  })
}
