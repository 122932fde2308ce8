/**
 * The baseline: a plain Node http server that streams one file (what a user would otherwise set up
 * with a web server). Prints its URL on stdout, serves until killed.
 * Usage: node http-serve.js <file> [host]
 */
import { createReadStream, statSync } from 'node:fs'
import { createServer } from 'node:http'
import { basename } from 'node:path'

const file = process.argv[2] as string
const host = process.argv[3] ?? '127.0.0.1'
const size = statSync(file).size
const server = createServer((req, res) => {
  res.writeHead(200, { 'content-length': size, 'content-type': 'application/octet-stream' })
  createReadStream(file, { highWaterMark: 1024 * 1024 }).pipe(res)
})
server.listen(0, host, () => {
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  process.stdout.write(`http://${host}:${port}/${basename(file)}\n`)
})
process.on('SIGINT', () => { server.close(); process.exit(0) })
process.on('SIGTERM', () => { server.close(); process.exit(0) })
