// What every adapter shares at the provider boundary: the request options for a streamed upload, the call
// itself (network failures and unreadable answers become data), and failed answers as ProviderFailure
// data: HTTP status → problem code, and a detail in our own words (the provider's text only to the logs).
import { AnswerTooLarge } from "./answer";
import { type EncodedBody, encodeMultipart, encodeRaw, type StreamedFile } from "./encode";
import type { AdapterContext, ProviderConfig, ProviderFailure, ProviderFailureCode } from "./types";

export const bearer = (config: ProviderConfig) => ({ authorization: `Bearer ${config.apiKey}` });

/**
 * The openapi-fetch options for one streamed upload: the typed `body` (which the client checks against the
 * provider's spec), a serializer that hands over the encoded stream instead, our auth and content type, the
 * injected fetch, the abort signal, and no redirects (a streamed body cannot be replayed elsewhere).
 */
function uploadInit<B>(ctx: AdapterContext, body: B, encoded: EncodedBody) {
  return {
    body,
    bodySerializer: () => encoded.stream,
    headers: { ...bearer(ctx.config), "content-type": encoded.contentType },
    fetch: ctx.fetch,
    signal: ctx.signal,
    redirect: "manual" as const,
  };
}

/** The multipart/form-data request body of `Path`'s POST in a generated `paths` type. */
export type MultipartBody<Paths, Path extends keyof Paths> = Paths[Path] extends {
  post: { requestBody: { content: { "multipart/form-data": infer Body } } };
}
  ? Body
  : never;

/** Keys of `S` that `T` lacks; of every member when `S` is a union (what a conditional spread yields). */
type ExtraKeys<T, S> = S extends unknown ? Exclude<keyof S, keyof T> : never;

type MultipartFields = Readonly<Record<string, string | StreamedFile | undefined>>;

/**
 * Options for a multipart upload of `body` (text fields, then its one file), checked against `T`, the
 * generated body type of the call (`multipartInit<MultipartBody<paths, "/files/upload">>()(ctx, {...})`).
 *
 * The check is exact: a key `T` does not have fails to compile, also where TypeScript's own excess-property
 * check never runs (a body built elsewhere, or an optional field added by a conditional spread). Without
 * it, a field renamed in the spec compiles and is silently dropped by the provider. Curried because `T` is
 * named while `S`, the body's own type, is inferred; without `T`, no body compiles.
 */
export const multipartInit =
  <T extends MultipartFields = never>() =>
  <S extends T>(ctx: AdapterContext, body: S & NoInfer<Record<ExtraKeys<T, S>, never>>) =>
    uploadInit(ctx, body as S, encodeMultipart(body, ctx.signal));

/** Options for a raw-body upload of the file, sent as `contentType`. */
export const rawInit = (ctx: AdapterContext, contentType: string) =>
  uploadInit(ctx, ctx.file, encodeRaw({ ...ctx.file, type: contentType }, ctx.signal));

/** Maps an HTTP status onto our codes. A provider's 401/403 is our 502: the caller's key was fine. */
export function codeForStatus(status: number): ProviderFailureCode {
  if (status === 401 || status === 403) return "provider_auth_failed";
  if (status === 429) return "provider_rate_limited";
  if (status === 413) return "file_too_large";
  if (status === 415) return "unsupported_file_type";
  if (status === 408 || status === 504) return "provider_timeout";
  return "provider_error";
}

type Outcome<D, E> = { data?: D; error?: E; response: Response };

/**
 * Runs one openapi-fetch call. Connection failures and unparseable answers come back as a failure (what
 * was thrown goes to the logs only: a parse error quotes the provider's body); an abort by our own signal
 * rethrows its reason (the caller decides what it means).
 */
export async function send<D, E>(
  ctx: Pick<AdapterContext, "signal">,
  call: () => Promise<Outcome<D, E>>,
): Promise<Outcome<D, E> | { failure: ProviderFailure }> {
  try {
    return await call();
  } catch (error) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    return { failure: unreadable(error) };
  }
}

/**
 * Parses a JSON answer with the `int64` members named in `keys` kept as the digits that were sent: a JSON
 * number above 2^53 does not survive a JavaScript number (9007199254740993123 reads as
 * 9007199254740993000). The reviver reads each number's source text (JSON.parse source text access, in
 * workerd's V8). Where that is missing, a safe integer still reads exactly and an unsafe one stays a number,
 * which the caller refuses as an unexpected answer rather than rounding an id. Throws SyntaxError on an
 * answer that is not JSON.
 */
export function parseWithInt64(text: string, keys: readonly string[]): unknown {
  return JSON.parse(text, (key: string, value: unknown, context?: { source?: string }) => {
    if (typeof value !== "number" || !keys.includes(key)) return value;
    const source = context?.source;
    if (source !== undefined) return /^-?\d+$/.test(source) ? source : value;
    return Number.isSafeInteger(value) ? String(value) : value;
  });
}

/** A call that threw: the provider could not be reached, or answered with something that is not JSON. */
export function unreadable(error: unknown): ProviderFailure {
  const detail =
    error instanceof SyntaxError
      ? "answered with a body that is not JSON"
      : error instanceof AnswerTooLarge
        ? `answered with more than ${error.bytes} bytes`
        : "connection failed";
  return { code: "provider_error", detail, raw: error };
}

/** Our words for an HTTP status, where the provider's answer gives no code of its own. */
function statusMeaning(status: number): string | undefined {
  if (status === 401 || status === 403) return "the gateway's key was refused";
  if (status === 429) return "rate limited";
  if (status === 413) return "file too large";
  if (status === 415) return "file type not accepted";
  if (status === 408 || status === 504) return "timed out";
  if (status >= 500) return "server error";
  return undefined;
}

/** A provider code's meaning, from an adapter's table of the codes its spec documents. */
export interface Meaning {
  readonly meaning: string;
  /** Our code for it, where the HTTP status would mislead (a failure inside an HTTP 200). */
  readonly code?: ProviderFailureCode;
}

/** What an adapter found in a failed answer. Values come off the wire: their types are checked here. */
export interface Found {
  /** What the provider's dialect calls its code, for our sentence ("base_resp", "code"). */
  readonly label: string;
  /** The provider's own code, where the answer carried one. */
  readonly providerCode?: unknown;
  /** Our meanings of the provider's codes (from its spec); a code outside it is named only if a number. */
  readonly meanings?: Readonly<Record<string, Meaning>>;
  /** The answer's message, read from the field the provider's spec defines for one (and only there). */
  readonly message?: unknown;
  /** Our code, overriding the one the HTTP status maps to. */
  readonly code?: ProviderFailureCode | undefined;
}

/**
 * A failure from an HTTP answer that is not the success the spec describes. `detail` is our own account
 * (status, the provider's code and our meaning of it), never text from the answer; `raw`, the parsed
 * answer or its text, goes to the logs only.
 */
export function httpFailure(response: Response, found: Found, raw: unknown): ProviderFailure {
  const { status } = response;
  const providerCode =
    typeof found.providerCode === "number" || typeof found.providerCode === "string"
      ? found.providerCode
      : undefined;
  const known = providerCode === undefined ? undefined : found.meanings?.[String(providerCode)];
  const parts: string[] = [];
  if (!response.ok) parts.push(`HTTP ${status}`);
  if (providerCode !== undefined && (known || typeof providerCode === "number")) {
    parts.push(`${found.label} ${providerCode}${known ? `: ${known.meaning}` : ""}`);
  } else if (!response.ok) {
    const meaning = statusMeaning(status);
    if (meaning) parts[0] = `HTTP ${status}: ${meaning}`;
  } else {
    parts.push(`HTTP ${status} without the answer its spec describes`);
  }
  const retryAfter = response.headers.get("retry-after");
  return {
    code: known?.code ?? found.code ?? codeForStatus(status),
    detail: parts.join(", "),
    status,
    ...(providerCode === undefined ? {} : { providerCode }),
    ...(typeof found.message === "string" ? { message: found.message } : {}),
    ...(retryAfter ? { retryAfter } : {}),
    raw,
  };
}
