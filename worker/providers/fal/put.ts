// The requests to the signed URL fal answered (step 2 of an upload): the single PUT as fal's client sends it
// (the file's Content-Type, no Authorization), and the one call both it and ./parts.ts make. The URL came
// from the provider, so the gateway checks it as it checks every URL it sends to on someone else's say-so
// (core/url-guard.ts): https on 443 to a public host, no credentials; with ALLOW_PRIVATE_NETWORK
// (development) also the sandbox's http://localhost.
import { checkUrl, type UrlPolicy } from "../../core/url-guard";
import { encodeRaw } from "../kit/encode";
import { httpFailure, unreadable } from "../kit/http";
import type { AdapterContext, ProviderFailure } from "../kit/types";

/** fal's error body, read only from its documented members (`detail` a message, or FastAPI's list). */
export const falProblem = (error: unknown) => {
  const known = typeof error === "object" && error !== null ? (error as { detail?: unknown }) : undefined;
  return { label: "detail", message: known?.detail };
};

const policy = (allowPrivate: boolean): UrlPolicy =>
  allowPrivate ? { schemes: ["https:"], allowPrivate } : { schemes: ["https:"], ports: [443], allowPrivate };

/** The upload_url as the guard parsed it, or the failure naming why it is refused. */
export function signedUrl(ctx: AdapterContext, target: string): { url: URL } | { error: ProviderFailure } {
  const check = checkUrl(target, policy(ctx.config.allowPrivateNetwork === true));
  if (check.ok) return { url: check.url };
  return {
    error: { code: "provider_error", detail: `initiate answered an upload_url that ${check.reason}` },
  };
}

/** One call to the signed URL: its answer's text when 2xx, else the failure, `step` naming the call. */
export async function signedCall(
  ctx: AdapterContext,
  url: string,
  init: RequestInit,
  step: string,
): Promise<{ text: string; error?: never } | { error: ProviderFailure }> {
  let response: Response;
  try {
    response = await ctx.fetch(url, { ...init, signal: ctx.signal, redirect: "manual" });
  } catch (error) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    const failure = unreadable(error);
    return { error: { ...failure, detail: `${step}: ${failure.detail}` } };
  }
  const text = await response.text().catch(() => "");
  if (response.ok) return { text };
  let answer: unknown = text;
  try {
    answer = JSON.parse(text);
  } catch {}
  const failure = httpFailure(response, falProblem(answer), answer);
  return { error: { ...failure, detail: `${step}: ${failure.detail}` } };
}

/** The whole file in one PUT, with its exact Content-Length. */
export async function putSigned(ctx: AdapterContext, target: string): Promise<{ error?: ProviderFailure }> {
  const checked = signedUrl(ctx, target);
  if ("error" in checked) return checked;
  const body = encodeRaw(ctx.file, ctx.signal);
  const init = { method: "PUT", body: body.stream, headers: { "content-type": body.contentType } };
  const sent = await signedCall(ctx, checked.url.href, init, "PUT to the signed URL");
  if (sent.error) body.stream.cancel(sent.error.detail).catch(() => {});
  return sent.error ? { error: sent.error } : {};
}
