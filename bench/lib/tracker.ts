/**
 * A BitTorrent tracker for the flash-crowd baseline: only the HTTP announce (BEP 3, compact peer
 * list of BEP 23), in memory, for the lab. Written here because no tracker on npm installs from
 * the registry alone (`bittorrent-tracker` pulls `node-datachannel`, whose native binary is
 * downloaded at install time). Prints its announce URL on stdout, then one line per announce
 * (`announce <ip>:<port> <event>`), serves until killed.
 * Usage: node tracker.js <host>
 */
import { createServer } from 'node:http'

/** Announce again this often (seconds): the crowd arrives at once, so peers should learn of each other quickly. */
const INTERVAL_SECONDS = 2
/** Peers kept per torrent; the lab's crowds are far smaller. */
const MAX_PEERS = 200

const host = process.argv[2] ?? '127.0.0.1'
/** info_hash (hex) → "ip:port" → the 6-byte compact form. */
const swarms = new Map<string, Map<string, Buffer>>()

/** The raw bytes of a query value (info_hash is 20 binary bytes, percent-encoded). */
function queryBytes (value: string): Buffer {
  const bytes: number[] = []
  for (let i = 0; i < value.length; i++) {
    if (value[i] === '%') {
      bytes.push(parseInt(value.slice(i + 1, i + 3), 16))
      i += 2
    } else bytes.push(value.charCodeAt(i))
  }
  return Buffer.from(bytes)
}

function bencoded (entries: Array<[string, number | Buffer]>): Buffer {
  const parts: Buffer[] = [Buffer.from('d')]
  for (const [key, value] of entries.sort(([a], [b]) => a < b ? -1 : 1)) {
    parts.push(Buffer.from(`${key.length}:${key}`))
    parts.push(typeof value === 'number' ? Buffer.from(`i${value}e`) : Buffer.concat([Buffer.from(`${value.length}:`), value]))
  }
  parts.push(Buffer.from('e'))
  return Buffer.concat(parts)
}

const server = createServer((req, res) => {
  const url = req.url ?? '/'
  const query = new Map(url.slice(url.indexOf('?') + 1).split('&').map(kv => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]))
  const infoHash = query.get('info_hash')
  const port = Number(query.get('port'))
  const ip = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '')
  if (!url.startsWith('/announce') || infoHash === undefined || !(port > 0 && port < 65536) || !/^\d+\.\d+\.\d+\.\d+$/.test(ip)) {
    res.end(bencoded([['failure reason', Buffer.from('bad announce')]]))
    return
  }
  const key = queryBytes(infoHash).toString('hex')
  const peers = swarms.get(key) ?? new Map<string, Buffer>()
  swarms.set(key, peers)
  const self = `${ip}:${port}`
  const event = query.get('event') ?? ''
  if (event === 'stopped') peers.delete(self)
  else if (peers.size < MAX_PEERS || peers.has(self)) {
    const compact = Buffer.alloc(6)
    ip.split('.').forEach((octet, i) => compact.writeUInt8(Number(octet), i))
    compact.writeUInt16BE(port, 4)
    peers.set(self, compact)
  }
  process.stdout.write(`announce ${self} ${event}\n`)
  const others = [...peers].filter(([id]) => id !== self).map(([, compact]) => compact)
  res.end(bencoded([['interval', INTERVAL_SECONDS], ['min interval', 1], ['complete', 0], ['incomplete', peers.size], ['peers', Buffer.concat(others)]]))
})
server.listen(0, host, () => {
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  process.stdout.write(`http://${host}:${port}/announce\n`)
})
process.on('SIGINT', () => { server.close(); process.exit(0) })
process.on('SIGTERM', () => { server.close(); process.exit(0) })
