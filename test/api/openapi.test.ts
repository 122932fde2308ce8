/** docs/openapi.yaml documents every route the daemon serves, and nothing it does not. */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { buildRouter } from '../../src/api/server.js'
import type { ApiContext } from '../../src/api/context.js'

const OPENAPI = fileURLToPath(new URL('../../../docs/openapi.yaml', import.meta.url))

test('every API route is in docs/openapi.yaml with its method', async () => {
  const yaml = await readFile(OPENAPI, 'utf8')
  const documented = new Set<string>()
  let path: string | undefined
  let inPaths = false
  for (const line of yaml.split('\n')) {
    if (/^\S/.test(line)) inPaths = line.startsWith('paths:')
    if (!inPaths) continue
    const p = /^ {2}(\/\S*):\s*$/.exec(line)
    if (p !== null) path = p[1]
    const m = /^ {4}(get|post|delete|head|put|patch):\s*$/.exec(line)
    if (m !== null && path !== undefined) documented.add(`${(m[1] as string).toUpperCase()} ${path}`)
  }
  // Routes only need the context when they run.
  const router = await buildRouter({} as ApiContext)
  const served = new Set(router.list().filter(r => r.auth).map(r => `${r.method} ${r.pattern.replace('{path+}', '{path}')}`))
  assert.deepEqual([...served].filter(r => !documented.has(r)), [], 'served but not documented')
  assert.deepEqual([...documented].filter(r => !served.has(r)), [], 'documented but not served')
})
