// GET|HEAD /v1/files/:id/content — a staged file, for whoever holds its signed URL (WaveSpeed fetching
// a file over 300 MB). Range, conditional requests and ETag as R2 supports them; served as a download.
import type { IRequest } from "itty-router";
import type { Env } from "../../core/config";
import { GatewayError } from "../../core/errors";
import { verifyContentUrl } from "../../services/staging/signed-url";
import { stagedKey } from "../../services/staging/staged";

export async function serveContent(request: IRequest, env: Env): Promise<Response> {
  const id = request.params.id ?? "";
  if (!env.SIGNING_SECRET) throw new GatewayError("invalid_token", "This file URL is not valid.");
  await verifyContentUrl(new URL(request.url), id, env.SIGNING_SECRET);
  const key = stagedKey(id);
  const head = request.method === "HEAD";
  const object = head
    ? await env.STAGING.head(key)
    : await env.STAGING.get(key, { range: request.headers, onlyIf: request.headers });
  if (!object) throw new GatewayError("not_found", "This file is no longer stored.");
  const headers = new Headers();
  object.writeHttpMetadata(headers);
  headers.set("etag", object.httpEtag);
  headers.set("accept-ranges", "bytes");
  headers.set("x-content-type-options", "nosniff");
  headers.set("cache-control", "private, no-transform");
  const name = object.customMetadata?.filename ?? "file";
  headers.set("content-disposition", `attachment; filename*=UTF-8''${encodeURIComponent(name)}`);
  if (head) {
    headers.set("content-length", String(object.size));
    return new Response(null, { headers });
  }
  // A failed precondition leaves no body: If-None-Match → 304, others → 412.
  if (!("body" in object)) {
    return new Response(null, { status: request.headers.has("if-none-match") ? 304 : 412, headers });
  }
  const body = (object as R2ObjectBody).body;
  const range = object.range as { offset?: number; length?: number; suffix?: number } | undefined;
  if (range && request.headers.has("range")) {
    const offset = range.offset ?? (range.suffix !== undefined ? object.size - range.suffix : 0);
    const length = range.length ?? object.size - offset;
    headers.set("content-range", `bytes ${offset}-${offset + length - 1}/${object.size}`);
    headers.set("content-length", String(length));
    return new Response(body, { status: 206, headers });
  }
  headers.set("content-length", String(object.size));
  return new Response(body, { headers });
}
