import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { ErrorCode, ShoalError } from '../errors.js'

/** The node's Ed25519 key, libp2p protobuf encoding, readable by the owner only. */
export const KEY_FILE = 'node.key'

/**
 * Loads the node's key from its data directory, creating it on first use, so the peer ID stays the
 * same across restarts. The key is written to a temporary file then renamed, so a crash never leaves
 * half a key behind. A key file that does not parse (damaged by something else) is not trusted: it
 * is moved aside to `node.key.corrupt-<ms>` and a new identity is made, with a warning.
 * Synchronous file calls, as for the data directory's lock (data-dir.ts).
 */
export async function loadOrCreateKey (dataDir: string, warn?: (message: string) => void): Promise<PrivateKey> {
  const file = join(dataDir, KEY_FILE)
  let bytes: Uint8Array | undefined
  try {
    bytes = readFileSync(file)
  } catch (err: any) {
    if (err.code !== 'ENOENT') {
      throw new ShoalError(ErrorCode.BadArgument, `cannot read the node key ${file}: ${err.code ?? err.message}`)
    }
  }
  if (bytes !== undefined) {
    try {
      return privateKeyFromProtobuf(bytes)
    } catch {
      const aside = `${file}.corrupt-${Date.now()}`
      renameSync(file, aside)
      warn?.(`the node key ${file} was damaged; it was moved to ${aside} and a new identity (peer ID) was made`)
    }
  }
  const key = await generateKeyPair('Ed25519')
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const tmp = `${file}.tmp-${process.pid}`
  writeFileSync(tmp, privateKeyToProtobuf(key), { mode: 0o600 })
  renameSync(tmp, file)
  return key
}
