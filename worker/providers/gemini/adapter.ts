// Google Gemini Files, through the resumable protocol (specs/gemini.yaml): a JSON start request declares the
// exact size and type and answers the session's URL in `x-goog-upload-url`; one `upload, finalize` request
// at offset 0 then carries every byte as its raw body with an exact Content-Length (as Google's REST samples
// do) and answers { file }. DELETE /v1beta/files/{id}. Errors are google.rpc.Status bodies.
//
// A session that fails after its start is left to lapse: the API documents no call that cancels one.
//
// The session URL comes from the provider's answer, yet the gateway sends the file and the key to it; so
// it is not fetched as answered: its path and query go to the configured base URL's origin, as Google's own
// client does (js-genai src/cross/_cross_uploader.ts). The key then only ever goes where the operator
// pointed GEMINI_BASE_URL, which is trusted as every provider's base URL is; core/url-guard.ts is for
// URLs callers name (callbacks, imports), and would refuse the sandbox's local base.
import createClient from "openapi-fetch";
import type { components, paths } from "../../../generated/gemini";
import { encodeRaw } from "../kit/encode";
import { httpFailure, type Meaning, send } from "../kit/http";
import { atStep, jsonInit, sendStep } from "../kit/steps";
import type { ProviderAdapter, ProviderConfig, ProviderFailure } from "../kit/types";

type File = components["schemas"]["File"];

const auth = (config: ProviderConfig) => ({ "x-goog-api-key": config.apiKey });

/** google.rpc.Status codes, as the Gemini troubleshooting guide lists them, in our words. */
const STATUSES: Record<string, Meaning> = {
  INVALID_ARGUMENT: { meaning: "the request was malformed" },
  FAILED_PRECONDITION: { meaning: "a precondition failed (billing or region)" },
  PERMISSION_DENIED: { meaning: "the gateway's key lacks permission", code: "provider_auth_failed" },
  NOT_FOUND: { meaning: "not found" },
  RESOURCE_EXHAUSTED: { meaning: "rate limit exceeded", code: "provider_rate_limited" },
  INTERNAL: { meaning: "server error" },
  UNAVAILABLE: { meaning: "temporarily unavailable" },
  DEADLINE_EXCEEDED: { meaning: "timed out", code: "provider_timeout" },
};

/** A failed answer: its `error.status` named; a refused key (400, reason API_KEY_INVALID) is auth. */
function failure(response: Response, answer: unknown): ProviderFailure {
  const error =
    typeof answer === "object" && answer !== null && "error" in answer
      ? (answer as { error?: { status?: unknown; message?: unknown; details?: unknown } }).error
      : undefined;
  const details = Array.isArray(error?.details) ? (error.details as { reason?: unknown }[]) : [];
  const keyRefused = details.some((d) => d?.reason === "API_KEY_INVALID");
  const found = {
    label: "status",
    providerCode: error?.status,
    message: error?.message,
    meanings: STATUSES,
    code: keyRefused
      ? ("provider_auth_failed" as const)
      : response.ok
        ? ("provider_error" as const)
        : undefined,
  };
  return httpFailure(response, found, answer);
}

/** The session URL's path and query on the base URL's origin (see the top of this file). */
export function sessionUrl(baseUrl: string, answered: string | null): URL | undefined {
  if (!answered) return undefined;
  try {
    const base = new URL(baseUrl);
    const url = new URL(answered, base);
    if (url.protocol !== "https:" && url.protocol !== "http:") return undefined;
    const pinned = new URL(base.origin);
    pinned.pathname = url.pathname;
    pinned.search = url.search;
    return pinned;
  } catch {
    return undefined;
  }
}

/** RFC 3339 from Google, as ISO 8601 (or nothing, when it does not parse). */
function expiresAt(file: File): { expiresAt?: string } {
  const at = file.expirationTime === undefined ? Number.NaN : Date.parse(file.expirationTime);
  return Number.isNaN(at) ? {} : { expiresAt: new Date(at).toISOString() };
}

export const gemini: ProviderAdapter = {
  id: "gemini",
  async upload(ctx) {
    const client = createClient<paths>({ baseUrl: ctx.config.baseUrl });
    const started = await sendStep(ctx, () =>
      client.POST("/upload/v1beta/files", {
        ...jsonInit(ctx, auth(ctx.config), {
          file: { display_name: ctx.options.display_name ?? ctx.file.name },
        }),
        params: {
          header: {
            "X-Goog-Upload-Protocol": "resumable",
            "X-Goog-Upload-Command": "start",
            "X-Goog-Upload-Header-Content-Length": String(ctx.file.size),
            "X-Goog-Upload-Header-Content-Type": ctx.file.type,
          },
        },
        parseAs: "text",
      }),
    );
    const step = "starting the upload session";
    if ("failure" in started) return { error: atStep(step, started.failure) };
    const { response } = started;
    const url = response.ok
      ? sessionUrl(ctx.config.baseUrl, response.headers.get("x-goog-upload-url"))
      : undefined;
    if (!url) {
      // The answer as text (parseAs), read as JSON where it is: the logs get it either way.
      let answer: unknown = started.data ?? started.error;
      try {
        answer = typeof answer === "string" && answer !== "" ? JSON.parse(answer) : answer;
      } catch {}
      return { error: atStep(step, failure(response, answer)) };
    }
    const body = encodeRaw(ctx.file, ctx.signal);
    const finished = await send(ctx, async () => {
      const answer = await ctx.fetch(url, {
        method: "POST",
        headers: {
          ...auth(ctx.config),
          "content-type": ctx.file.type,
          "x-goog-upload-command": "upload, finalize",
          "x-goog-upload-offset": "0",
        },
        body: body.stream,
        signal: ctx.signal,
        redirect: "manual",
      });
      const text = await answer.text();
      return { data: JSON.parse(text) as unknown, response: answer };
    });
    const last = "uploading and finalizing";
    if ("failure" in finished) return { error: atStep(last, finished.failure) };
    const file = (finished.data as { file?: File } | null)?.file;
    const final = finished.response.headers.get("x-goog-upload-status") === "final";
    if (!finished.response.ok || !final || typeof file?.name !== "string" || typeof file.uri !== "string")
      return { error: atStep(last, failure(finished.response, finished.data)) };
    return {
      data: {
        providerFileId: file.name,
        url: file.uri,
        reference: file.uri,
        response: finished.data as Record<string, unknown>,
        ...expiresAt(file),
      },
    };
  },

  /** DELETE /v1beta/files/{id} (the name without "files/") → {}. */
  async remove(ctx) {
    const client = createClient<paths>({ baseUrl: ctx.config.baseUrl });
    const result = await send(ctx, () =>
      client.DELETE("/v1beta/files/{file}", {
        params: { path: { file: ctx.providerFileId.replace(/^files\//, "") } },
        headers: auth(ctx.config),
        fetch: ctx.fetch,
        signal: ctx.signal,
        redirect: "manual",
      }),
    );
    if ("failure" in result) return { error: result.failure };
    return result.response.ok ? {} : { error: failure(result.response, result.error) };
  },
};
