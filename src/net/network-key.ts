/**
 * Private networks: every node of one holds the same pre-shared key (the `swarm.key` format of
 * libp2p and IPFS private networks) and encrypts each connection with it (XSalsa20, @libp2p/pnet)
 * underneath Noise/TLS. A node without the key cannot complete a connection to one with it.
 */
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { ErrorCode, ShoalError } from '../errors.js'

/** The three lines of a key file: a fixed tag, the encoding, then 32 bytes in hex. */
export const NETWORK_KEY_TAG = '/key/swarm/psk/1.0.0/'
export const NETWORK_KEY_ENCODING = '/base16/'
export const NETWORK_KEY_BYTES = 32
/** A key file is three short lines; anything bigger is not one. */
export const MAX_NETWORK_KEY_FILE_BYTES = 1024
const HEX_KEY = new RegExp(`^[0-9a-fA-F]{${NETWORK_KEY_BYTES * 2}}$`)

/** A new random key, as the text of a key file (ends with a newline). */
export function generateNetworkKey (): string {
  return `${NETWORK_KEY_TAG}\n${NETWORK_KEY_ENCODING}\n${randomBytes(NETWORK_KEY_BYTES).toString('hex')}\n`
}

/**
 * Checks the text of a key file and returns it in the form @libp2p/pnet reads (no trailing
 * newline, lowercase hex). Throws ShoalError(BadArgument) naming what is wrong.
 */
export function parseNetworkKey (bytes: Uint8Array, where = 'the network key'): Uint8Array {
  if (bytes.byteLength > MAX_NETWORK_KEY_FILE_BYTES) throw bad(`${where} is not a network key file (too large)`)
  const lines = Buffer.from(bytes).toString('utf8').split(/\r?\n/).map(line => line.trim())
  while (lines.at(-1) === '') lines.pop()
  if (lines.length !== 3 || lines[0] !== NETWORK_KEY_TAG || lines[1] !== NETWORK_KEY_ENCODING || !HEX_KEY.test(lines[2] ?? '')) {
    throw bad(`${where} is not a network key file (expected ${NETWORK_KEY_TAG}, ${NETWORK_KEY_ENCODING}, then ${NETWORK_KEY_BYTES * 2} hex digits; 'shoal network-key' makes one)`)
  }
  return new TextEncoder().encode(`${NETWORK_KEY_TAG}\n${NETWORK_KEY_ENCODING}\n${(lines[2] as string).toLowerCase()}`)
}

/** Reads and checks a key file. */
export async function loadNetworkKey (path: string): Promise<Uint8Array> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(path)
  } catch (err: any) {
    throw bad(`cannot read the network key ${path}: ${err.code ?? err.message}`)
  }
  return parseNetworkKey(bytes, path)
}

function bad (message: string): ShoalError {
  return new ShoalError(ErrorCode.BadArgument, message)
}

/** Reads and checks a key file, synchronously (command-line parsing). */
export function readNetworkKeyFile (path: string): Uint8Array {
  let bytes: Uint8Array
  try {
    bytes = readFileSync(path)
  } catch (err: any) {
    throw bad(`cannot read the network key ${path}: ${err.code ?? err.message}`)
  }
  return parseNetworkKey(bytes, path)
}
