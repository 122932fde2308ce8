import type { IncomingMessage, ServerResponse } from 'node:http'

export type Method = 'GET' | 'HEAD' | 'POST' | 'DELETE'

export interface ApiRequest {
  raw: IncomingMessage
  method: Method
  url: URL
  /** Path parameters by name: `{id}` → params.id; a trailing `{path+}` takes the rest of the path. */
  params: Record<string, string>
}

export type Handler = (req: ApiRequest, res: ServerResponse) => Promise<void> | void

export interface Route {
  method: Method
  /** OpenAPI-style: `/api/v1/downloads/{id}/pause`, `/content/{cid}/{path+}`. */
  pattern: string
  /** Whether the API token is required (everything but the dashboard's own files). */
  auth: boolean
  /** A catch-all (the dashboard's files): never named in a 405's Allow list. */
  fallback: boolean
  handler: Handler
}

interface Compiled extends Route { regex: RegExp, names: string[] }

/** Method + path pattern → handler. Patterns are matched in the order they were added. */
export class Router {
  private readonly routes: Compiled[] = []

  add (method: Method, pattern: string, handler: Handler, options: { auth?: boolean, fallback?: boolean } = {}): void {
    const names: string[] = []
    const source = pattern.split('/').map(segment => {
      const param = /^\{(\w+)(\+)?\}$/.exec(segment)
      if (param === null) return escapeRegex(segment)
      names.push(param[1] as string)
      return param[2] === '+' ? '(.+)' : '([^/]+)'
    }).join('/')
    this.routes.push({ method, pattern, handler, auth: options.auth ?? true, fallback: options.fallback ?? false, regex: new RegExp(`^${source}$`), names })
  }

  list (): Route[] {
    return this.routes.map(({ method, pattern, auth, fallback, handler }) => ({ method, pattern, auth, fallback, handler }))
  }

  /** The route for this method and path, `{ allowed }` when the path exists with other methods, or undefined. */
  match (method: string, pathname: string): { route: Route, params: Record<string, string> } | { allowed: Method[] } | undefined {
    const allowed: Method[] = []
    for (const route of this.routes) {
      const m = route.regex.exec(pathname)
      if (m === null) continue
      if (route.method !== method) {
        if (!route.fallback) allowed.push(route.method)
        continue
      }
      const params: Record<string, string> = {}
      let ok = true
      route.names.forEach((name, i) => {
        try {
          params[name] = decodeURIComponent(m[i + 1] as string)
        } catch {
          ok = false
        }
      })
      if (ok) return { route, params }
    }
    return allowed.length > 0 ? { allowed } : undefined
  }
}

function escapeRegex (text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
