import type { IncomingMessage, ServerResponse } from 'node:http'
import { ErrorCode, isShoalError } from '../errors.js'
import { BODY_TIMEOUT_MS, MAX_JSON_BODY_BYTES } from './constants.js'

/** An error with an HTTP status, for answers the API gives on purpose. */
export class ApiError extends Error {
  constructor (readonly status: number, readonly code: string, message: string) {
    super(message)
  }
}

/** HTTP status for each Shoal error code; anything else is a 500. */
export const STATUS_OF_CODE: Record<string, number> = {
  [ErrorCode.BadArgument]: 400,
  [ErrorCode.BadLink]: 400,
  [ErrorCode.BadManifest]: 400,
  [ErrorCode.Unauthorized]: 401,
  [ErrorCode.NoWriteAccess]: 403,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.PathNotFound]: 404,
  [ErrorCode.OutputExists]: 409,
  [ErrorCode.Conflict]: 409,
  [ErrorCode.DiskFull]: 507,
  [ErrorCode.Unreachable]: 502,
  [ErrorCode.Timeout]: 504,
  [ErrorCode.Aborted]: 503
}

/** Security headers on every answer: no sniffing, no framing, no referrer. */
export function baseHeaders (res: ServerResponse): void {
  res.setHeader('X-Content-Type-Options', 'nosniff')
  res.setHeader('X-Frame-Options', 'DENY')
  res.setHeader('Referrer-Policy', 'no-referrer')
}

export function sendJson (res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.statusCode = status
  res.setHeader('Content-Type', 'application/json; charset=utf-8')
  res.setHeader('Cache-Control', 'no-store')
  res.setHeader('Content-Length', Buffer.byteLength(text))
  res.end(text)
}

export function sendNoContent (res: ServerResponse): void {
  res.statusCode = 204
  res.end()
}

/** `{ "error": { "code", "message" } }` with the status the error calls for. */
export function sendError (res: ServerResponse, err: unknown): number {
  let status = 500
  let code = 'INTERNAL'
  let message = 'internal error'
  if (err instanceof ApiError) {
    ({ status, code, message } = err)
  } else if (isShoalError(err)) {
    status = STATUS_OF_CODE[err.code] ?? 500
    code = err.code
    message = err.message
  } else if (err instanceof Error) {
    message = err.message.split('\n')[0] ?? message
  }
  if (res.headersSent) {
    res.destroy()
  } else {
    sendJson(res, status, { error: { code, message } })
  }
  return status
}

/** Reads a JSON object body (at most MAX_JSON_BODY_BYTES, within BODY_TIMEOUT_MS). */
export async function readJson (req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = []
  let size = 0
  const timer = setTimeout(() => req.destroy(new Error('body timeout')), BODY_TIMEOUT_MS)
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).byteLength
      if (size > MAX_JSON_BODY_BYTES) throw new ApiError(413, 'BAD_ARGUMENT', `request body over ${MAX_JSON_BODY_BYTES} bytes`)
      chunks.push(chunk as Buffer)
    }
  } catch (err) {
    if (err instanceof ApiError) throw err
    throw new ApiError(400, 'BAD_ARGUMENT', 'could not read the request body')
  } finally {
    clearTimeout(timer)
  }
  if (size === 0) return {}
  let value: unknown
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    throw new ApiError(400, 'BAD_ARGUMENT', 'request body is not JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ApiError(400, 'BAD_ARGUMENT', 'request body must be a JSON object')
  return value as Record<string, unknown>
}

/** A required string field of a JSON body. */
export function stringField (body: Record<string, unknown>, name: string): string {
  const value = body[name]
  if (typeof value !== 'string' || value.trim() === '') throw new ApiError(400, 'BAD_ARGUMENT', `'${name}' must be a non-empty string`)
  return value
}

/** An optional string field. */
export function optionalString (body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') throw new ApiError(400, 'BAD_ARGUMENT', `'${name}' must be a string`)
  return value
}

/** An optional positive number field. */
export function optionalPositive (body: Record<string, unknown>, name: string): number | undefined {
  const value = body[name]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) throw new ApiError(400, 'BAD_ARGUMENT', `'${name}' must be a positive number`)
  return value
}
