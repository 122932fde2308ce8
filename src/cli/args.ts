import { parseArgs } from 'node:util'
import { ErrorCode, ShoalError } from '../errors.js'
import type { NodeOptions } from '../node/node.js'
import { readNetworkKeyFile } from '../net/network-key.js'
import { REACHABILITY_VALUES, type ReachOptions } from '../reach/options.js'

/** Options every command takes. */
export const GLOBAL_OPTIONS = {
  'data-dir': { type: 'string' },
  listen: { type: 'string', multiple: true },
  bootstrap: { type: 'string', multiple: true },
  'no-mdns': { type: 'boolean' },
  'upload-limit': { type: 'string' },
  'download-limit': { type: 'string' },
  'network-key': { type: 'string' },
  'no-direct': { type: 'boolean' },
  'direct-port': { type: 'string' },
  reachability: { type: 'string' },
  'no-relay-service': { type: 'boolean' },
  'no-upnp': { type: 'boolean' },
  'relay-data': { type: 'string' },
  json: { type: 'boolean' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' }
} as const

export type OptionSpec = Record<string, { type: 'string' | 'boolean', multiple?: boolean, short?: string }>

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>
  positionals: string[]
}

export function parse (args: string[], commandOptions: OptionSpec): Parsed {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { ...GLOBAL_OPTIONS, ...commandOptions },
      allowPositionals: true,
      strict: true
    })
    return { values: values as Parsed['values'], positionals }
  } catch (err: any) {
    throw new ShoalError(ErrorCode.BadArgument, String(err.message).split('\n')[0] ?? 'bad arguments')
  }
}

export function nodeOptions (values: Parsed['values']): NodeOptions {
  return {
    dataDir: values['data-dir'] as string | undefined,
    listen: values.listen as string[] | undefined,
    bootstrap: values.bootstrap as string[] | undefined,
    mdns: values['no-mdns'] !== true,
    uploadLimit: values['upload-limit'] !== undefined ? positive(parseSize(values['upload-limit'] as string, '--upload-limit'), '--upload-limit') : undefined,
    downloadLimit: values['download-limit'] !== undefined ? positive(parseSize(values['download-limit'] as string, '--download-limit'), '--download-limit') : undefined,
    networkKey: values['network-key'] !== undefined ? readNetworkKeyFile(values['network-key'] as string) : undefined,
    direct: values['no-direct'] !== true,
    directPort: values['direct-port'] !== undefined ? parsePort(values['direct-port'] as string, '--direct-port') : undefined,
    reach: reachOptions(values)
  }
}

/** `--reachability`, `--no-relay-service`, `--no-upnp`, `--relay-data` (reach/options.ts). */
function reachOptions (values: Parsed['values']): ReachOptions {
  const stated = values.reachability as string | undefined
  if (stated !== undefined && !(REACHABILITY_VALUES as readonly string[]).includes(stated)) {
    throw new ShoalError(ErrorCode.BadArgument, `--reachability takes ${REACHABILITY_VALUES.join(' or ')}: got '${stated.slice(0, 40)}'`)
  }
  return {
    reachability: stated as ReachOptions['reachability'],
    relayService: values['no-relay-service'] !== true,
    upnp: values['no-upnp'] !== true,
    relayData: values['relay-data'] !== undefined ? positive(parseSize(values['relay-data'] as string, '--relay-data'), '--relay-data') : undefined
  }
}

/** A TCP port, 0 (any free one) to 65535. */
export function parsePort (text: string, flag: string): number {
  const n = Number(text.trim())
  if (!/^\d+$/.test(text.trim()) || n > 65535) throw new ShoalError(ErrorCode.BadArgument, `${flag} takes a TCP port (0-65535): got '${text.slice(0, 40)}'`)
  return n
}

/** `--timeout 30` or `30s`, `5m`, `1h`. */
export function parseSeconds (text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(text.trim())
  if (match === null) throw new ShoalError(ErrorCode.BadArgument, `${flag} takes seconds (e.g. 30, 90s, 5m): got '${text}'`)
  const scale = match[2] === 'h' ? 3600 : match[2] === 'm' ? 60 : 1
  return finite(Number(match[1]) * scale, flag, text)
}

/** `32M`, `1G`, `512k`, `1000` (bytes, powers of 1024). */
export function parseSize (text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)([kmgt])?i?b?$/i.exec(text.trim())
  if (match === null) throw new ShoalError(ErrorCode.BadArgument, `${flag} takes a size (e.g. 512k, 32M, 1G): got '${text}'`)
  const power = ' kmgt'.indexOf((match[2] ?? ' ').toLowerCase())
  return finite(Math.round(Number(match[1]) * 1024 ** power), flag, text)
}

/** Numbers past 2^53 lose their units digit, and Infinity is no limit at all: refuse them. */
function finite (n: number, flag: string, text: string): number {
  if (!Number.isFinite(n) || n > Number.MAX_SAFE_INTEGER) throw new ShoalError(ErrorCode.BadArgument, `${flag} is too large: '${text.slice(0, 40)}'`)
  return n
}

function positive (n: number, flag: string): number {
  if (!(n > 0)) throw new ShoalError(ErrorCode.BadArgument, `${flag} must be more than 0`)
  return n
}
