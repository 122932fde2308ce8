// Assembles the example jobs (examples/jobs/*.wat) into the .wasm files shipped beside them, with
// wabt (a dev dependency; no network). Run: npm run build:jobs
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import wabtInit from 'wabt'

const jobs = join(dirname(fileURLToPath(import.meta.url)), '..', 'examples', 'jobs')
const wabt = await wabtInit()
for (const name of (await readdir(jobs)).filter(n => n.endsWith('.wat')).sort()) {
  const module = wabt.parseWat(name, await readFile(join(jobs, name), 'utf8'))
  module.validate()
  const { buffer } = module.toBinary({})
  await writeFile(join(jobs, name.replace(/\.wat$/, '.wasm')), buffer)
  console.log(`${name} -> ${name.replace(/\.wat$/, '.wasm')} (${buffer.byteLength} bytes)`)
}
