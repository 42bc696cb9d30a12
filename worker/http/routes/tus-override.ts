// X-HTTP-Method-Override on tus paths (tus 1.0.0: "the Server MUST interpret it as the request's method").
import type { IRequest } from "itty-router";
import { GatewayError } from "../../core/errors";

/** Methods an X-HTTP-Method-Override may name (anything else is left to the route table's 405). */
const OVERRIDABLE = new Set(["GET", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS", "PUT"]);
const BODYLESS = new Set(["GET", "HEAD", "OPTIONS", "DELETE"]);

/**
 * X-HTTP-Method-Override on a tus path: the request's method, whatever method carried it (tus 1.0.0, "the
 * Server MUST interpret it as the request's method"): GET + OPTIONS is discovery, POST + HEAD an offset
 * query, POST + PATCH a PATCH (tus-js-client's overridePatchMethod). Applied before the route table, so
 * every route sees the method meant; a method that takes no body drops the carrier's.
 */
export function withMethodOverride(request: Request): Request {
  const method = request.headers.get("x-http-method-override")?.trim().toUpperCase();
  if (!method || !OVERRIDABLE.has(method) || method === request.method) return request;
  if (!new URL(request.url).pathname.startsWith("/v1/tus")) return request;
  const headers = new Headers(request.headers);
  headers.delete("x-http-method-override");
  if (BODYLESS.has(method)) {
    request.body?.cancel().catch(() => {});
    headers.delete("content-length");
    return new Request(request.url, { method, headers });
  }
  return new Request(request.url, { method, headers, body: request.body });
}

/** POST /v1/tus/:id without a usable X-HTTP-Method-Override (one that is applied never reaches here). */
export function tusOverride(request: IRequest): never {
  const method = request.headers.get("x-http-method-override")?.trim().toUpperCase() ?? "";
  throw new GatewayError(
    "method_not_allowed",
    method
      ? `X-HTTP-Method-Override: ${method} is not a method here; use HEAD, PATCH or DELETE.`
      : "POST to an upload needs X-HTTP-Method-Override: PATCH or DELETE.",
    { headers: { allow: "HEAD, PATCH, DELETE, OPTIONS" } },
  );
}
