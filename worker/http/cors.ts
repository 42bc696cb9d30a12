// CORS for the routes browsers call: signed upload URLs and tus. Allowed origins come from ALLOWED_ORIGINS
// (comma-separated, or *); unset means no cross-origin access.
import type { IRequest } from "itty-router";
import type { Env } from "../core/config";
import { REQUEST_ID_HEADER } from "../core/request-id";
import { TUS_ALLOWED, TUS_EXPOSED } from "../services/tus/protocol";

/** Paths a browser app calls directly. */
const BROWSER_PATHS = [/^\/v1\/uploads\/[^/]+\/file$/, /^\/v1\/tus(\/[^/]+)?$/];

// A browser app may send its own request id, and read the one the answer carries (docs/api.md#request-ids).
const ALLOW_HEADERS = `content-type, content-length, content-disposition, repr-digest, ${REQUEST_ID_HEADER}, ${TUS_ALLOWED}`;
/** What a browser client may read from responses. */
const EXPOSE_HEADERS = `retry-after, ratelimit, ratelimit-policy, content-type, ${REQUEST_ID_HEADER}, ${TUS_EXPOSED}`;

export const isBrowserPath = (pathname: string) => BROWSER_PATHS.some((re) => re.test(pathname));

function allowedOrigin(request: Request, env: Env): string | null {
  const origin = request.headers.get("origin");
  if (!origin) return null;
  const allowed = (env.ALLOWED_ORIGINS ?? "")
    .split(",")
    .map((o) => o.trim())
    .filter(Boolean);
  if (allowed.includes("*")) return "*";
  return allowed.includes(origin) ? origin : null;
}

/** Answers a preflight for a browser path: 204 with what the origin may do, or 204 with nothing if not allowed. */
export function preflight(request: IRequest, env: Env): Response {
  const origin = allowedOrigin(request, env);
  const headers = new Headers({ vary: "Origin" });
  if (origin) {
    headers.set("access-control-allow-origin", origin);
    headers.set("access-control-allow-methods", "PUT, POST, HEAD, PATCH, DELETE, OPTIONS");
    headers.set("access-control-allow-headers", ALLOW_HEADERS);
    headers.set("access-control-max-age", "86400");
  }
  return new Response(null, { status: 204, headers });
}

/** Adds CORS headers to any answer on a browser path, errors included (so the app can read problems). */
export function corsify(response: Response, request: IRequest, env: Env): Response {
  if (!isBrowserPath(new URL(request.url).pathname)) return response;
  const origin = allowedOrigin(request, env);
  if (!origin) return response;
  const out = new Response(response.body, response);
  out.headers.set("access-control-allow-origin", origin);
  out.headers.set("access-control-expose-headers", EXPOSE_HEADERS);
  out.headers.append("vary", "Origin");
  return out;
}

/** Adds a CORS preflight's headers to another answer (tus OPTIONS is both discovery and preflight). */
export function withPreflight(response: Response, request: IRequest, env: Env): Response {
  const out = new Response(response.body, response);
  for (const [k, v] of preflight(request, env).headers) out.headers.set(k, v);
  return out;
}
