// What every adapter shares at the provider boundary: the request options for a streamed upload, the call
// itself (network failures and unreadable answers become data), and HTTP-status → problem-code mapping.
import type { ProviderConfig } from "./config";
import { type EncodedBody, encodeMultipart, encodeRaw, type StreamedFile } from "./encode";
import type { AdapterContext, ProviderFailure, ProviderFailureCode } from "./types";

const bearer = (config: ProviderConfig) => ({ authorization: `Bearer ${config.apiKey}` });

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
 * Runs one openapi-fetch call. Connection failures and unparseable answers come back as a failure; an
 * abort by our own signal rethrows its reason (the caller decides what it means).
 */
export async function send<D, E>(
  ctx: AdapterContext,
  call: () => Promise<Outcome<D, E>>,
): Promise<Outcome<D, E> | { failure: ProviderFailure }> {
  try {
    return await call();
  } catch (error) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    const reason =
      error instanceof SyntaxError ? "answered with a body that is not JSON" : "connection failed";
    return { failure: { code: "provider_error", detail: `${reason}: ${String(error)}` } };
  }
}

/** A failure from an HTTP answer with a JSON (or text) error body. */
export function httpFailure(
  response: Response,
  detail: string,
  extra: Partial<Pick<ProviderFailure, "providerCode" | "message" | "code">> = {},
): ProviderFailure {
  const retryAfter = response.headers.get("retry-after");
  return {
    code: codeForStatus(response.status),
    detail,
    status: response.status,
    ...(retryAfter ? { retryAfter } : {}),
    ...extra,
  };
}

/** A short printable form of an unstructured error body. */
export const describe = (body: unknown) =>
  typeof body === "string" ? body.slice(0, 200) : JSON.stringify(body ?? null).slice(0, 200);
