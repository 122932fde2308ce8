/**
 * Throughput of one pipe between two endpoints in this process: a libp2p stream with Noise, a
 * libp2p stream with TLS, and a direct connection (net/direct/: TLS 1.3 with a ticket's key on a
 * plain socket). The ceilings the swarm protocol runs under. Prints MB/s for each and the ratios.
 * Usage: node dist/bench/transport-throughput.js [MiB] [bytes per write, default 256 KiB]
 */
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { tls } from '@libp2p/tls'
import { yamux } from '@chainsafe/libp2p-yamux'
import { connect, type TLSSocket } from 'node:tls'
import { DirectServer } from '../src/net/direct/direct-server.js'
import { TicketBook } from '../src/net/direct/tickets.js'
import { directTlsOptions } from '../src/net/direct/tls-options.js'

const MIB = 1024 * 1024
const total = Number(process.argv[2] ?? 512) * MIB
const CHUNK = Number(process.argv[3] ?? 256 * 1024)

/** The direct connection: Shoal's own server and a ticket, one socket, the same writes. */
async function runDirect (name: string): Promise<number> {
  const tickets = new TicketBook()
  let received = 0
  let done!: () => void
  const finished = new Promise<void>(resolve => { done = resolve })
  const server = new DirectServer({
    tickets, hosts: ['127.0.0.1'], port: 0, isBanned: () => false,
    onPipe: ({ pipe }) => {
      void (async () => {
        for await (const chunk of pipe) {
          received += chunk.byteLength
          if (received >= total) break
        }
        done()
      })()
    }
  })
  await server.start()
  const ticket = tickets.issue('bench', '127.0.0.1') as { id: Uint8Array, key: Uint8Array }
  const socket: TLSSocket = connect({
    ...directTlsOptions(), host: '127.0.0.1', port: server.port, checkServerIdentity: () => undefined,
    pskCallback: () => ({ psk: Buffer.from(ticket.key), identity: Buffer.from(ticket.id).toString('hex') })
  })
  await new Promise(resolve => socket.once('secureConnect', resolve))
  const buf = new Uint8Array(CHUNK).fill(7)
  const start = process.hrtime.bigint()
  for (let sent = 0; sent < total; sent += CHUNK) {
    if (!socket.write(buf)) await new Promise(resolve => socket.once('drain', resolve))
  }
  await finished
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  socket.destroy()
  await server.stop()
  const mbps = total / seconds / 1e6
  console.log(`${name.padEnd(6)} ${mbps.toFixed(0)} MB/s`)
  return mbps
}

async function run (name: string, encrypter: any): Promise<number> {
  if (encrypter === 'direct') return await runDirect(name)
  const make = async (): Promise<any> => await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [encrypter()],
    streamMuxers: [yamux()]
  })
  const a = await make()
  const b = await make()
  let received = 0
  let done!: () => void
  const finished = new Promise<void>(resolve => { done = resolve })
  await b.handle('/bench/1', async (stream: any) => {
    for await (const chunk of stream) {
      received += chunk.byteLength
      if (received >= total) break
    }
    done()
  })
  const stream = await a.dialProtocol(b.getMultiaddrs()[0], '/bench/1')
  const buf = new Uint8Array(CHUNK).fill(7)
  const start = process.hrtime.bigint()
  for (let sent = 0; sent < total; sent += CHUNK) {
    if (!stream.send(buf)) await stream.onDrain()
  }
  await finished
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  await a.stop()
  await b.stop()
  const mbps = total / seconds / 1e6
  console.log(`${name.padEnd(6)} ${mbps.toFixed(0)} MB/s`)
  return mbps
}

// Alternating rounds after a warm-up, medians per encrypter: this machine is shared and noisy.
const ROUNDS = 3
const variants: Array<[string, any]> = [['noise', noise], ['tls', tls], ['direct', 'direct']]
await run('warmup', tls)
const results = new Map<string, number[]>(variants.map(([name]) => [name, []]))
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, encrypter] of variants) results.get(name)?.push(await run(name, encrypter))
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0
const m: Record<string, number> = Object.fromEntries([...results].map(([name, xs]) => [name, median(xs)]))
const ratio = (a: string, b: string): string => ((m[a] ?? 0) / (m[b] ?? 1)).toFixed(2)
console.log(`median MB/s (${CHUNK}-byte writes): ${Object.entries(m).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}; tls/noise ${ratio('tls', 'noise')}, direct/noise ${ratio('direct', 'noise')}, direct/tls ${ratio('direct', 'tls')}`)
