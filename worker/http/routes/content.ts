// GET|HEAD /v1/files/:id/content — a staged file, for whoever holds its signed URL (WaveSpeed fetching
// a file over 300 MB). Range (one byte range, parsed here: RFC 9110 §14), If-Range, conditional requests
// and ETag; served as a download.
import type { IRequest } from "itty-router";
import type { Env } from "../../core/config";
import { GatewayError } from "../../core/errors";
import { uploadSession } from "../../services/sessions/session";
import { openStaged, piecesSize } from "../../services/staging/concat";
import { verifyContentUrl } from "../../services/staging/signed-url";
import { stagedKey } from "../../services/staging/staged";

/** What a Range header asks of a representation of `size` bytes. */
export type RangeRequest =
  /** One satisfiable range: answer 206 with exactly these bytes. */
  | { readonly offset: number; readonly length: number }
  /** No range overlaps the representation: answer 416 with `Content-Range: bytes *\/size`. */
  | "unsatisfiable"
  /** Invalid syntax, another unit or several ranges: ignore Range and answer 200 with everything. */
  | undefined;

const SINGLE_RANGE = /^bytes=(\d*)-(\d*)$/i;

/**
 * Parses a Range header (RFC 9110 §14.1.2) against `size`. Only a single `first-last`, `first-` or
 * `-suffix` range is served; a list of ranges is ignored (a server may ignore Range, §14.2), as is any
 * invalid ranges-specifier (last-pos below first-pos, missing digits, whitespace, another unit).
 */
export function parseRange(header: string, size: number): RangeRequest {
  const match = SINGLE_RANGE.exec(header);
  if (!match) return undefined;
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return undefined;
  // Digits of any length are valid syntax: compare exactly, then clip to the size.
  const total = BigInt(size);
  if (first === "") {
    const suffix = BigInt(last);
    if (suffix === 0n || total === 0n) return "unsatisfiable";
    const length = suffix < total ? Number(suffix) : size;
    return { offset: size - length, length };
  }
  const start = BigInt(first);
  const end = last === "" ? undefined : BigInt(last);
  if (end !== undefined && end < start) return undefined;
  if (start >= total) return "unsatisfiable";
  const stop = end === undefined || end >= total ? size - 1 : Number(end);
  return { offset: Number(start), length: stop - Number(start) + 1 };
}

/**
 * If-Range (RFC 9110 §13.1.5): the range applies only when the validator is a strong ETag equal to the
 * current one. A date never matches: no Last-Modified is given out, so a client has none to send back.
 */
const rangeApplies = (ifRange: string | null, etag: string) => ifRange === null || ifRange === etag;

/** `*` or a list of entity-tags (RFC 9110 §8.8.3): what R2 accepts in If-Match / If-None-Match. */
const ETAG_LIST = /^\s*(\*|(W\/)?"[\x21\x23-\x7e\x80-\xff]*"(\s*,\s*(W\/)?"[\x21\x23-\x7e\x80-\xff]*")*)\s*$/;

/**
 * The request's preconditions as R2 takes them. A malformed one is ignored, as RFC 9110 §13.1 lets a server
 * do with a field it cannot parse (R2 would throw on it): entity-tag lists must parse, dates must be dates.
 */
function preconditions(headers: Headers): Headers {
  const out = new Headers();
  for (const name of ["if-match", "if-none-match"]) {
    const value = headers.get(name);
    if (value !== null && ETAG_LIST.test(value)) out.set(name, value);
  }
  for (const name of ["if-modified-since", "if-unmodified-since"]) {
    const value = headers.get(name);
    if (value !== null && !Number.isNaN(Date.parse(value))) out.set(name, value);
  }
  return out;
}

export async function serveContent(request: IRequest, env: Env): Promise<Response> {
  const id = request.params.id ?? "";
  if (!env.SIGNING_SECRET) throw new GatewayError("invalid_token", "This file URL is not valid.");
  await verifyContentUrl(new URL(request.url), id, env.SIGNING_SECRET);
  const key = stagedKey(id);
  const head = request.method === "HEAD";
  const rangeHeader = head ? null : request.headers.get("range");
  // The range is resolved against the object's size first, so R2 is asked for exact bytes. Staged objects
  // are written once under a fresh id, so the size cannot change between the two calls.
  let wanted: RangeRequest;
  if (rangeHeader !== null) {
    const meta = await env.STAGING.head(key);
    if (!meta) return servePieces(request, env, id);
    if (rangeApplies(request.headers.get("if-range"), meta.httpEtag))
      wanted = parseRange(rangeHeader, meta.size);
  }
  const range = typeof wanted === "object" ? wanted : undefined;
  const conditions = preconditions(request.headers);
  const object = head
    ? await env.STAGING.head(key)
    : await env.STAGING.get(key, { onlyIf: conditions, ...(range ? { range } : {}) });
  if (!object) return servePieces(request, env, id);
  const headers = new Headers();
  object.writeHttpMetadata(headers);
  fileHeaders(headers, object.httpEtag, object.customMetadata?.filename ?? "file");
  if (head) {
    headers.set("content-length", String(object.size));
    return new Response(null, { headers });
  }
  // A failed precondition leaves no body: If-None-Match → 304, others → 412. Preconditions come before
  // the range (RFC 9110 §13.2.2).
  if (!("body" in object)) {
    if (conditions.has("if-none-match") || conditions.has("if-modified-since"))
      return new Response(null, { status: 304, headers });
    throw new GatewayError("precondition_failed", "The file does not match the request's preconditions.", {
      headers: { etag: object.httpEtag },
    });
  }
  return ranged((object as R2ObjectBody).body, object.size, wanted, rangeHeader, headers);
}

/** How every staged file is served: a download, never rendered, never transformed. */
function fileHeaders(headers: Headers, etag: string, name: string): void {
  headers.set("etag", etag);
  headers.set("accept-ranges", "bytes");
  headers.set("x-content-type-options", "nosniff");
  headers.set("cache-control", "private, no-transform");
  headers.set("content-disposition", `attachment; filename*=UTF-8''${encodeURIComponent(name)}`);
}

/** The answer with `body`: all `size` bytes, the range it holds (206), or 416 for a range past the end. */
async function ranged(
  body: ReadableStream,
  size: number,
  wanted: RangeRequest,
  rangeHeader: string | null,
  headers: Headers,
): Promise<Response> {
  const range = typeof wanted === "object" ? wanted : undefined;
  if (wanted === "unsatisfiable") {
    await body.cancel();
    throw new GatewayError(
      "range_not_satisfiable",
      `The range ${rangeHeader} does not overlap the file's ${size} bytes.`,
      { headers: { "content-range": `bytes */${size}` } },
    );
  }
  if (range) {
    headers.set("content-range", `bytes ${range.offset}-${range.offset + range.length - 1}/${size}`);
    headers.set("content-length", String(range.length));
    return new Response(body, { status: 206, headers });
  }
  headers.set("content-length", String(size));
  return new Response(body, { headers });
}

/** Whether an If-Match / If-None-Match list names `etag` (or is `*`). */
const listed = (header: string, etag: string) =>
  header.trim() === "*" || header.split(",").some((t) => t.trim().replace(/^W\//, "") === etag);

/**
 * A concatenated file (tus concatenation: no object of its own, its partials' objects in order), as its
 * upload's object describes it: the same answers, its bytes piped from each piece natively. Its pieces
 * never change under its id, so the id is its strong ETag.
 */
async function servePieces(request: Request, env: Env, id: string): Promise<Response> {
  const found = await uploadSession(env, id).stagedPieces();
  if (!found) throw new GatewayError("not_found", "This file is no longer stored.");
  const size = piecesSize(found.pieces);
  const etag = `"${id}"`;
  const headers = new Headers({ "content-type": found.mimeType });
  fileHeaders(headers, etag, found.name);
  const ifNoneMatch = request.headers.get("if-none-match");
  if (ifNoneMatch !== null && listed(ifNoneMatch, etag)) return new Response(null, { status: 304, headers });
  const ifMatch = request.headers.get("if-match");
  if (ifMatch !== null && !listed(ifMatch, etag))
    throw new GatewayError("precondition_failed", "The file does not match the request's preconditions.", {
      headers: { etag },
    });
  if (request.method === "HEAD") {
    headers.set("content-length", String(size));
    return new Response(null, { headers });
  }
  const rangeHeader = request.headers.get("range");
  const wanted =
    rangeHeader !== null && rangeApplies(request.headers.get("if-range"), etag)
      ? parseRange(rangeHeader, size)
      : undefined;
  const range = typeof wanted === "object" ? wanted : undefined;
  const body = await openStaged(env.STAGING, stagedKey(id), found.pieces, range);
  if (!body) throw new GatewayError("not_found", "This file is no longer stored.");
  return ranged(body, size, wanted, rangeHeader, headers);
}
