// One error model for every failure: RFC 9457 problem details (https://www.rfc-editor.org/rfc/rfc9457).
// The catalogue is data; `code` is the stable, machine-readable member clients branch on.
import type { components } from "../../generated/gateway";
// With its extension: scripts/docs.mjs loads this file in Node, which resolves no bare module paths.
import { log } from "./log.ts";

type Problem = components["schemas"]["Problem"];

/** Every problem the gateway answers with. Statuses here are the only ones it emits for errors. */
export const ERRORS = {
  unauthorized: { status: 401, title: "Missing or invalid gateway API key" },
  not_found: { status: 404, title: "Not found" },
  method_not_allowed: { status: 405, title: "Method not allowed on this route" },
  unknown_provider: { status: 404, title: "Unknown provider" },
  no_file_uploaded: { status: 400, title: "No file in the request" },
  too_many_files: { status: 400, title: "Only one file per request" },
  filename_missing: { status: 400, title: "The file has no filename" },
  invalid_field: { status: 400, title: "Invalid or unexpected field" },
  malformed_body: { status: 400, title: "The request body could not be read" },
  length_required: { status: 411, title: "Content-Length is required" },
  file_too_large: { status: 413, title: "File too large" },
  unsupported_file_type: { status: 415, title: "File type not accepted by this provider" },
  provider_rate_limited: { status: 429, title: "The provider is rate limiting" },
  provider_auth_failed: { status: 502, title: "The provider refused the gateway's credentials" },
  provider_error: { status: 502, title: "The provider failed the upload" },
  provider_timeout: { status: 504, title: "The provider did not answer in time" },
  provider_not_configured: { status: 503, title: "The gateway holds no key for this provider" },
  range_not_satisfiable: { status: 416, title: "The requested range is not satisfiable" },
  checksum_mismatch: { status: 460, title: "The body does not match its Upload-Checksum" },
  upload_offset_mismatch: { status: 409, title: "Upload-Offset does not match the upload's offset" },
  upload_locked: { status: 423, title: "Another request is writing to this upload" },
  upload_gone: { status: 410, title: "The upload was terminated or has expired" },
  upload_complete: { status: 409, title: "The upload is complete and can no longer change" },
  upload_stalled: { status: 408, title: "The upload stalled: no bytes arrived for too long" },
  precondition_failed: { status: 412, title: "A precondition of the request failed" },
  unsupported_tus_version: { status: 412, title: "Unsupported tus version" },
  wrong_content_type: { status: 415, title: "Wrong Content-Type for this request" },
  invalid_token: { status: 401, title: "The upload URL is not valid" },
  token_expired: { status: 401, title: "The upload URL has expired" },
  token_used: { status: 409, title: "The upload URL has already been used" },
  signing_not_configured: { status: 503, title: "The gateway has no SIGNING_SECRET" },
  internal_error: { status: 500, title: "Internal error" },
  content_mismatch: { status: 415, title: "The file's content contradicts its name or declared type" },
  source_refused: { status: 400, title: "The import URL is refused" },
  source_failed: { status: 502, title: "The import source failed" },
  source_timeout: { status: 504, title: "The import source did not answer in time" },
  digest_mismatch: { status: 400, title: "The file does not match its declared digest" },
  key_revoked: { status: 401, title: "The gateway API key was revoked" },
  key_expired: { status: 401, title: "The gateway API key has expired" },
  scope_denied: { status: 403, title: "The gateway API key's scope does not cover this" },
  quota_exceeded: { status: 429, title: "A quota of this key or project is used up" },
  original_not_kept: { status: 404, title: "No original of this file is kept" },
} as const satisfies Record<Problem["code"], { status: number; title: string }>;

export type ErrorCode = keyof typeof ERRORS;
export type ErrorStatus = (typeof ERRORS)[ErrorCode]["status"];

/** Extension members a problem may carry besides type/title/status/detail/code (request_id: its rendering's). */
export type ProblemExtras = Partial<
  Omit<Problem, "type" | "title" | "status" | "detail" | "code" | "instance" | "request_id">
>;

export interface GatewayErrorOptions {
  /** Extension members of the problem (provider, max_bytes, accepted, …). */
  readonly extras?: ProblemExtras;
  /** Extra response headers, e.g. Retry-After for a provider rate limit. */
  readonly headers?: Record<string, string>;
  /** What caused it: kept for the logs, never rendered into the problem. */
  readonly cause?: unknown;
}

/** The one error base. Anything thrown that is not a GatewayError becomes `internal_error`. */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: ErrorStatus;
  readonly extras: ProblemExtras;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, detail?: string, options: GatewayErrorOptions = {}) {
    super(detail ?? ERRORS[code].title, options.cause === undefined ? {} : { cause: options.cause });
    this.name = "GatewayError";
    this.code = code;
    this.status = ERRORS[code].status;
    this.extras = options.extras ?? {};
    this.headers = options.headers ?? {};
  }

  toProblem(instance?: string): Problem {
    return {
      type: `urn:mediagate:problem:${this.code}`,
      title: ERRORS[this.code].title,
      status: this.status,
      detail: this.message,
      code: this.code,
      ...(instance === undefined ? {} : { instance }),
      ...this.extras,
    };
  }
}

export const isGatewayError = (e: unknown): e is GatewayError => e instanceof GatewayError;

/**
 * Errors thrown in a Durable Object reach the Worker as plain Errors, so RPC methods return this instead
 * and the Worker rethrows it as the same problem.
 */
export type Outcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problem: Problem };

export async function outcome<T>(work: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    if (!isGatewayError(error)) throw error;
    return { ok: false, problem: error.toProblem() };
  }
}

export function unwrap<T>(result: Outcome<T>): T {
  if (result.ok) return result.value;
  const {
    code,
    detail,
    type: _t,
    title: _ti,
    status: _s,
    instance: _i,
    request_id: _r,
    ...extras
  } = result.problem;
  throw new GatewayError(code, detail, { extras });
}

/** Any thrown value as a GatewayError; an unexpected one is logged and never leaks its message. */
export function asGatewayError(error: unknown, requestId?: string): GatewayError {
  if (isGatewayError(error)) return error;
  log("error", "unhandled error", { request_id: requestId, error });
  return new GatewayError("internal_error", "Unexpected error; see logs.", { cause: error });
}

/**
 * A failure reading the incoming body (the client disconnected, the runtime gave up on it) as the client's
 * problem: 400, never an internal error, whatever the client declared or sent.
 */
export function bodyError(error: unknown): GatewayError {
  if (isGatewayError(error)) return error;
  return new GatewayError("malformed_body", `The upload body broke off before its end (${String(error)}).`, {
    cause: error,
  });
}

/**
 * The one renderer: a problem document as an application/problem+json response (RFC 9457 §3), with the
 * request's id as its `request_id` member (the X-Request-Id the answer carries: core/request-id.ts).
 */
export function renderProblem(
  problem: Problem,
  headers: Record<string, string> = {},
  requestId?: string,
): Response {
  const body = requestId === undefined ? problem : { ...problem, request_id: requestId };
  return new Response(JSON.stringify(body), {
    status: problem.status,
    headers: { ...headers, "content-type": "application/problem+json" },
  });
}

/**
 * Renders any thrown value as a problem+json response, with the error's headers and `headers`, for the
 * request `requestId` (its problem's request_id, and its log lines').
 */
export function problemResponse(
  error: unknown,
  instance?: string,
  headers: Record<string, string> = {},
  requestId?: string,
): Response {
  const err = asGatewayError(error, requestId);
  // The cause stays in the logs: a provider's raw answer or a stack never reaches the client.
  if (err.cause !== undefined && err.code !== "internal_error")
    log("warn", "problem cause", {
      request_id: requestId,
      code: err.code,
      detail: err.message,
      cause: err.cause,
    });
  return renderProblem(err.toProblem(instance), { ...err.headers, ...headers }, requestId);
}

/** The most file bytes a request or upload may carry, and whose limit it is. */
export interface SizeLimit {
  readonly bytes: number;
  /** Says whose limit, and what to do past it: "Jimmy AI takes files up to 104857600 bytes". */
  readonly detail: string;
}

/**
 * The one file_too_large (413): over `limit`, of `size` bytes when known, or found longer while counting;
 * `extras` add to max_bytes (the provider, in a fan-out).
 */
export function tooLarge(limit: SizeLimit, size?: number, extras: ProblemExtras = {}): GatewayError {
  const which = size === undefined ? "this one carries more" : `this one is ${size}`;
  return new GatewayError("file_too_large", `${limit.detail}; ${which}.`, {
    extras: { max_bytes: limit.bytes, ...extras },
  });
}
