// Step 2 of a fal upload: the file's bytes in one PUT to the signed URL fal answered, as fal's client sends
// them (the file's Content-Type, no Authorization). The URL came from the provider, so the gateway checks it
// as it checks every URL it sends to on someone else's say-so (core/url-guard.ts): https on 443 to a public
// host, no credentials; with ALLOW_PRIVATE_NETWORK (development) also the sandbox's http://localhost.
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

export async function putSigned(ctx: AdapterContext, target: string): Promise<{ error?: ProviderFailure }> {
  const check = checkUrl(target, policy(ctx.config.allowPrivateNetwork === true));
  if (!check.ok)
    return {
      error: { code: "provider_error", detail: `initiate answered an upload_url that ${check.reason}` },
    };
  const body = encodeRaw(ctx.file, ctx.signal);
  let response: Response;
  try {
    response = await ctx.fetch(check.url.href, {
      method: "PUT",
      body: body.stream,
      headers: { "content-type": body.contentType },
      signal: ctx.signal,
      redirect: "manual",
    });
  } catch (error) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    body.stream.cancel(error).catch(() => {});
    const failure = unreadable(error);
    return { error: { ...failure, detail: `PUT to the signed URL: ${failure.detail}` } };
  }
  const text = await response.text().catch(() => "");
  if (response.ok) return {};
  let answer: unknown = text;
  try {
    answer = JSON.parse(text);
  } catch {}
  const failure = httpFailure(response, falProblem(answer), answer);
  return { error: { ...failure, detail: `PUT to the signed URL: ${failure.detail}` } };
}
