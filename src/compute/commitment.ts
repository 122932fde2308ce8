/**
 * Commit-reveal: a worker first sends SHA-256(COMMIT_DOMAIN ‖ job ‖ \n ‖ result ‖ \n ‖ worker ‖ \n
 * ‖ nonce) and reveals result and nonce only once the requester has every replica's commitment, so
 * no worker can copy another's answer. The worker's peer ID inside stops one worker from replaying
 * another's commitment as its own.
 */
import { sha256 } from 'multiformats/hashes/sha2'
import { COMMIT_DOMAIN } from './constants.js'

const encoder = new TextEncoder()

export async function commitmentOf (job: string, result: string, worker: string, nonce: string): Promise<string> {
  const digest = await sha256.digest(encoder.encode(`${COMMIT_DOMAIN}${job}\n${result}\n${worker}\n${nonce}`))
  return toHex(digest.digest)
}

/** 32 random bytes as hex: the nonce of one commitment. */
export function randomNonce (): string {
  return toHex(globalThis.crypto.getRandomValues(new Uint8Array(32)))
}

function toHex (bytes: Uint8Array): string {
  let out = ''
  for (const b of bytes) out += b.toString(16).padStart(2, '0')
  return out
}
