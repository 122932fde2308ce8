/**
 * The baseline: a plain Node http server that streams one file, or every file of one folder by its
 * name (what a user would otherwise set up with a web server). Prints its URL on stdout (for a
 * folder, the folder's URL ending in '/'), serves until killed.
 * Usage: node http-serve.js <file|folder> [host]
 */
import { createReadStream, statSync } from 'node:fs'
import { createServer } from 'node:http'
import { basename, join } from 'node:path'

const target = process.argv[2] as string
const host = process.argv[3] ?? '127.0.0.1'
const folder = statSync(target).isDirectory()
const server = createServer((req, res) => {
  const file = folder ? join(target, basename(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname))) : target
  let size: number
  try { size = statSync(file).size } catch { res.writeHead(404).end(); return }
  res.writeHead(200, { 'content-length': size, 'content-type': 'application/octet-stream' })
  createReadStream(file, { highWaterMark: 1024 * 1024 }).pipe(res)
})
server.listen(0, host, () => {
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  process.stdout.write(folder ? `http://${host}:${port}/\n` : `http://${host}:${port}/${basename(target)}\n`)
})
process.on('SIGINT', () => { server.close(); process.exit(0) })
process.on('SIGTERM', () => { server.close(); process.exit(0) })
