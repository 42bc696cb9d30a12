// One delivery attempt of an event to a webhook endpoint, as the Standard Webhooks specification has it
// (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md): the headers
// webhook-id (the event's id: the receiver's idempotency key), webhook-timestamp (unix seconds) and
// webhook-signature "v1,<base64 HMAC-SHA256(secret bytes, "id.timestamp.body")>", where the secret's bytes
// are the base64 after "whsec_". The endpoint's answer body is never kept: a bounded excerpt reaches the log.
import { allowPrivateNetwork, type Env } from "../../core/config";
import { LIMITS } from "../../core/limits";
import { log } from "../../core/log";
import { checkUrl, type UrlCheck } from "../../core/url-guard";
import { base64 } from "./webhooks";

const encoder = new TextEncoder();

export async function signWebhook(
  secret: string,
  id: string,
  timestamp: number,
  body: string,
): Promise<string> {
  const raw = Uint8Array.from(atob(secret.replace(/^whsec_/, "")), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(`${id}.${timestamp}.${body}`));
  return `v1,${base64(new Uint8Array(mac))}`;
}

/** Where deliveries may go: as callbacks, https to a public host; ALLOW_PRIVATE_NETWORK opens local networks. */
export const checkWebhookUrl = (url: string, env: Env): UrlCheck =>
  checkUrl(url, { schemes: ["https:"], allowPrivate: allowPrivateNetwork(env) });

export interface AttemptOutcome {
  readonly ok: boolean;
  /** The endpoint's HTTP status; null when it was not reached (refused URL, network error, timeout). */
  readonly statusCode: number | null;
  readonly latencyMs: number;
  readonly error: string | null;
}

/** At most LIMITS.webhookLogExcerptBytes of a failed answer's body, for the log line; the rest is dropped. */
async function excerpt(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return "";
  const chunk = await reader.read().catch(() => ({ value: undefined }));
  await reader.cancel().catch(() => {});
  const bytes = chunk.value?.subarray(0, LIMITS.webhookLogExcerptBytes);
  return bytes ? new TextDecoder().decode(bytes) : "";
}

/** POSTs the event's body, signed; the URL passes the outbound guard again (the setting may have changed). */
export async function attemptDelivery(
  env: Env,
  endpoint: { readonly id: string; readonly url: string; readonly secret: string },
  eventId: string,
  body: string,
  requestId: string | null,
): Promise<AttemptOutcome> {
  const started = Date.now();
  const check = checkWebhookUrl(endpoint.url, env);
  if (!check.ok)
    return { ok: false, statusCode: null, latencyMs: 0, error: `refused (${check.rule}): ${check.reason}` };
  const timestamp = Math.floor(started / 1000);
  try {
    const response = await fetch(check.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "webhook-id": eventId,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": await signWebhook(endpoint.secret, eventId, timestamp, body),
      },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(LIMITS.webhookTimeoutMs),
    });
    const latencyMs = Date.now() - started;
    if (response.ok) {
      await response.body?.cancel();
      return { ok: true, statusCode: response.status, latencyMs, error: null };
    }
    log("warn", "webhook: endpoint refused a delivery", {
      request_id: requestId,
      event: eventId,
      webhook: endpoint.id,
      status: response.status,
      excerpt: await excerpt(response),
    });
    return { ok: false, statusCode: response.status, latencyMs, error: `HTTP ${response.status}` };
  } catch (error) {
    return {
      ok: false,
      statusCode: null,
      latencyMs: Date.now() - started,
      error: String(error).slice(0, 200),
    };
  }
}
