// The request's id on its answer, and its access line: one JSON log line per request, written when its
// answer is ready (http/linger.ts may still be draining the client's body). The line names what the
// request did and for whom — route pattern, method, status, provider, bytes read, duration, an owner
// prefix — and never a key, a token, a URL's query or a provider's answer: the route is the pattern
// ("/v1/uploads/:id/file"), not the path, and the owner is a project id or key fingerprint, cut short.
import type { IRequest } from "itty-router";
import { LIMITS } from "../core/limits";
import { log } from "../core/log";
import { REQUEST_ID_HEADER, requestIdOf } from "../core/request-id";
import type { Vars } from "./context";

/** A request's own values, before any middleware. */
export const varsFor = (request: Request): Vars => ({ requestId: requestIdOf(request), reported: {} });

/**
 * The router's last step for every answer, problems included: X-Request-Id. Set in place where the headers
 * are ours to change; an answer with immutable headers (the upload's Durable Object's) is copied first.
 */
export function identify(response: Response, _request: IRequest, _env: unknown, _ctx: unknown, vars: Vars) {
  try {
    response.headers.set(REQUEST_ID_HEADER, vars.requestId);
    return response;
  } catch {
    const out = new Response(response.body, response);
    out.headers.set(REQUEST_ID_HEADER, vars.requestId);
    return out;
  }
}

/**
 * Logs `request`'s access line (`defer`: ExecutionContext.waitUntil). Durations are as the Workers
 * runtime measures them: its clock advances with I/O, not while JavaScript runs
 * (https://developers.cloudflare.com/workers/reference/security-model/#step-1-disallow-timers-and-multi-threading).
 */
export function logAccess(
  request: Request,
  response: Response,
  vars: Vars,
  started: number,
  defer: (work: Promise<unknown>) => void,
): void {
  const provider = vars.provider?.id ?? vars.reported.provider;
  const owner = vars.principal?.project;
  // The line's fields are read now, as the answer is ready; the write itself waits until the answer has
  // been handed to the runtime: a console call is the costliest step of a small upload's answer under
  // wrangler dev (its logs go out through the DevTools protocol: docs/benchmark.md#where-a-small-uploads-time-goes),
  // and nothing the client receives depends on it.
  const fields = {
    request_id: vars.requestId,
    method: request.method,
    route: (request as IRequest).route ?? null,
    status: response.status,
    ...(provider === undefined ? {} : { provider }),
    ...(vars.reported.received === undefined ? {} : { bytes_received: vars.reported.received }),
    duration_ms: Date.now() - started,
    ...(owner === undefined ? {} : { owner: owner.slice(0, LIMITS.logOwnerChars) }),
  };
  // Always "info": a 5xx here may be a provider's failure passed on; the gateway's own errors log apart.
  defer(scheduler.wait(0).then(() => log("info", "request", fields)));
}
