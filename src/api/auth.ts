import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

/** The query parameter that may carry the token (event streams and media elements cannot set headers). */
export const TOKEN_PARAM = 'token'

/** The token a request presents: `Authorization: Bearer <token>`, else `?token=<token>`. */
export function presentedToken (req: IncomingMessage, url: URL): string | undefined {
  const header = req.headers.authorization
  if (typeof header === 'string') {
    const match = /^Bearer\s+(\S+)$/i.exec(header.trim())
    if (match !== null) return match[1]
  }
  return url.searchParams.get(TOKEN_PARAM) ?? undefined
}

/** Compares in constant time (over hashes, so the lengths leak nothing either). */
export function tokenMatches (presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false
  const a = createHash('sha256').update(presented).digest()
  const b = createHash('sha256').update(expected).digest()
  return timingSafeEqual(a, b)
}
