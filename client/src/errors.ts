// One error type for everything the SDK can fail with: a problem the gateway answered (RFC 9457, `code` from
// the spec's catalogue), a network failure (no answer at all), an abort, an answer that is not a problem, or
// an input that cannot be read (a path that is not there).
import type { components } from "../../generated/gateway";

export type Problem = components["schemas"]["Problem"];
/** The gateway's problem codes: the union of specs/gateway.yaml's Problem.code enum. */
export type ProblemCode = Problem["code"];
/** What went wrong: a problem's own code, or one of the SDK's own when no problem came back. */
export type ErrorCode =
  | ProblemCode
  | "network_error"
  | "aborted"
  | "unexpected_response"
  | "input_unreadable";

export class MediagateError extends Error {
  override readonly name = "MediagateError";
  /** `problem`: the gateway answered one; `network`: no answer (DNS, refused, reset); `aborted`: your signal;
   *  `input`: the file to upload cannot be read (nothing was sent). */
  readonly kind: "problem" | "network" | "aborted" | "unexpected" | "input";
  readonly code: ErrorCode;
  /** The HTTP status, when there was an answer. */
  readonly status: number | undefined;
  /** The problem document as the gateway sent it (extension members included), when there was one. */
  readonly problem: Problem | undefined;
  /** Seconds to wait before trying again, when the answer said (Retry-After: a 429 quota_exceeded or
   *  provider_rate_limited, a 503). */
  readonly retryAfter: number | undefined;

  constructor(
    kind: MediagateError["kind"],
    code: ErrorCode,
    message: string,
    extra: { status?: number; problem?: Problem; cause?: unknown; retryAfter?: number } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.kind = kind;
    this.code = code;
    this.status = extra.status;
    this.problem = extra.problem;
    this.retryAfter = extra.retryAfter;
  }

  /** A problem's title and detail, as one line. */
  get detail(): string | undefined {
    return this.problem?.detail;
  }
}

const isProblem = (value: unknown): value is Problem =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as { code?: unknown }).code === "string" &&
  typeof (value as { status?: unknown }).status === "number";

/**
 * Retry-After (RFC 9110 §10.2.3) as seconds from now: delta-seconds or an HTTP date; undefined when absent or
 * neither.
 */
export function retryAfterSeconds(value: string | null | undefined, now = Date.now()): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/**
 * The error for a non-2xx answer whose body has been read as `body` (parsed JSON or text); `retryAfter` is
 * the answer's Retry-After header, when it had one.
 */
export function problemError(status: number, body: unknown, retryAfter?: string | null): MediagateError {
  if (isProblem(body)) {
    // The gateway's advice names the wire (a query parameter, Upload-Metadata); this SDK sets those from
    // its upload options, so the option is named too.
    const field = typeof body.field === "string" ? ` (in this SDK: the "${body.field}" option)` : "";
    const text = body.detail ? `${body.title}: ${body.detail}${field}` : body.title;
    const wait = retryAfterSeconds(retryAfter);
    return new MediagateError("problem", body.code, text, {
      status,
      problem: body,
      ...(wait === undefined ? {} : { retryAfter: wait }),
    });
  }
  const text = typeof body === "string" && body ? body.slice(0, 200) : `HTTP ${status}`;
  return new MediagateError("unexpected", "unexpected_response", `Unexpected answer ${status}: ${text}`, {
    status,
  });
}

/** openapi-fetch's answer as its data, or the MediagateError its problem (or its failure) is. */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let out: { data?: T; error?: unknown; response: Response };
  try {
    out = await call;
  } catch (error) {
    throw toMediagateError(error);
  }
  if (!out.response.ok || out.data === undefined)
    throw problemError(out.response.status, out.error, out.response.headers.get("retry-after"));
  return out.data;
}

export function networkError(cause: unknown): MediagateError {
  const why =
    cause instanceof Error ? (cause.cause instanceof Error ? cause.cause.message : cause.message) : "";
  return new MediagateError("network", "network_error", `Network error${why ? `: ${why}` : ""}`, { cause });
}

/** Why a path cannot be uploaded, in words (the system error's code is kept as the cause). */
const UNREADABLE: Record<string, string> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EPERM: "permission denied",
  ENOTDIR: "a folder on its path is not a folder",
};

/** A path that cannot be read as a file: `photo.png: no such file`. */
export function inputError(path: string, cause?: unknown): MediagateError {
  const code = (cause as { code?: unknown } | undefined)?.code;
  const why = typeof code === "string" ? (UNREADABLE[code] ?? `cannot be read (${code})`) : "not a file";
  return new MediagateError("input", "input_unreadable", `${path}: ${why}.`, { cause });
}

export function abortError(cause?: unknown): MediagateError {
  return new MediagateError("aborted", "aborted", "The upload was aborted.", { cause });
}

/** Any thrown value as a MediagateError (an AbortError becomes `aborted`, a TypeError from fetch `network`). */
export function toMediagateError(error: unknown, signal?: AbortSignal): MediagateError {
  if (error instanceof MediagateError) return error;
  if (signal?.aborted || (error instanceof Error && error.name === "AbortError")) return abortError(error);
  return networkError(error);
}
