import { isAbsolute } from 'node:path'
import { CID } from 'multiformats/cid'
import type { ApiContext } from '../context.js'
import { API_PREFIX } from '../constants.js'
import { ApiError, readJson, sendJson, stringField } from '../http.js'
import type { Router } from '../router.js'
import { makeJobSpec, splitInput } from '../../compute/job-spec.js'
import { DEFAULT_REPLICAS, MAX_REPLICAS } from '../../compute/constants.js'

/** Processing sharing: this node's worker and runs (GET /compute), and runs started and followed over the API. */
export function computeRoutes (router: Router, ctx: ApiContext): void {
  const compute = (): NonNullable<ApiContext['compute']> => {
    if (ctx.compute === undefined) throw new ApiError(404, 'NOT_FOUND', 'compute is not running on this node')
    return ctx.compute
  }
  router.add('GET', `${API_PREFIX}/compute`, (_req, res) => {
    sendJson(res, 200, compute().status())
  })
  router.add('POST', `${API_PREFIX}/jobs`, async (req, res) => {
    const service = compute()
    const body = await readJson(req.raw)
    const module = await contentOf(ctx, stringField(body, 'module'))
    const inputs: string[] = []
    for (const input of strings(body, 'inputs')) inputs.push(await contentOf(ctx, input))
    const replicas = body.replicas ?? DEFAULT_REPLICAS
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 1 || replicas > MAX_REPLICAS) throw new ApiError(400, 'BAD_ARGUMENT', `'replicas' is a whole number from 1 to ${MAX_REPLICAS}`)
    const limits: Record<string, number> = {}
    for (const name of ['memoryMiB', 'timeoutS', 'outputMiB']) {
      if (body[name] === undefined) continue
      if (typeof body[name] !== 'number') throw new ApiError(400, 'BAD_ARGUMENT', `'${name}' must be a number`)
      limits[name] = body[name]
    }
    const env = body.env ?? {}
    if (typeof env !== 'object' || env === null || Array.isArray(env)) throw new ApiError(400, 'BAD_ARGUMENT', "'env' must be an object of strings")
    const output = body.output
    if (output !== undefined && (typeof output !== 'string' || !isAbsolute(output))) throw new ApiError(400, 'BAD_ARGUMENT', "'output' must be an absolute path")
    const spec = makeJobSpec({ module, inputs, args: strings(body, 'args'), env: env as Record<string, string>, limits })
    const workers = body.workers !== undefined ? strings(body, 'workers') : undefined
    sendJson(res, 202, service.jobs.start(spec, { replicas, workers, sameNetworkOk: body.sameNetworkOk === true, noCache: body.noCache === true, output: output as string | undefined }))
  })
  router.add('GET', `${API_PREFIX}/jobs`, (_req, res) => {
    sendJson(res, 200, { jobs: compute().jobs.list() })
  })
  router.add('GET', `${API_PREFIX}/jobs/{id}`, (req, res) => {
    const job = compute().jobs.get(req.params.id as string)
    if (job === undefined) throw new ApiError(404, 'NOT_FOUND', `no job run ${req.params.id as string}`)
    sendJson(res, 200, job)
  })
}

/** A CID (or `<cid>/<path>`) as it is; an absolute local path is shared first. */
async function contentOf (ctx: ApiContext, value: string): Promise<string> {
  try {
    CID.parse(splitInput(value).cid)
    return value
  } catch {}
  if (!isAbsolute(value)) throw new ApiError(400, 'BAD_ARGUMENT', `${JSON.stringify(value.slice(0, 80))} is neither a content ID nor an absolute path`)
  return (await ctx.share(value)).cid
}

function strings (body: Record<string, unknown>, name: string): string[] {
  const value = body[name] ?? []
  if (!Array.isArray(value) || value.some(v => typeof v !== 'string')) throw new ApiError(400, 'BAD_ARGUMENT', `'${name}' must be a list of strings`)
  return value as string[]
}
