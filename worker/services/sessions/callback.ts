// Upload callbacks: the status document POSTed to the backend's callback_url, signed so the backend can
// tell it came from this gateway (the scheme Stripe webhooks use):
//   Mediagate-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(SIGNING_SECRET, "<t>.<body>")>
// The backend recomputes the HMAC over the raw body, compares in constant time and rejects old timestamps.
// Where a callback may go is core/url-guard.ts's call, made when the ticket is created and again before
// every attempt (the setting may have changed since); redirects are never followed.
import type { components } from "../../../generated/gateway";
import { allowPrivateNetwork, type Env } from "../../core/config";
import { hmac, toHex } from "../../core/crypto";
import { LIMITS } from "../../core/limits";
import { checkUrl, type UrlCheck } from "../../core/url-guard";

type UploadRecord = components["schemas"]["UploadStatus"];

export async function signature(secret: string, timestamp: number, body: string): Promise<string> {
  return `t=${timestamp},v1=${toHex(await hmac(secret, `${timestamp}.${body}`))}`;
}

/** Where callbacks may go: https to a public host; ALLOW_PRIVATE_NETWORK opens local networks (development). */
export const checkCallbackUrl = (url: string, env: Env): UrlCheck =>
  checkUrl(url, { schemes: ["https:"], allowPrivate: allowPrivateNetwork(env) });

/** POSTs the record; null on a 2xx, else why it failed. */
export async function deliverCallback(
  url: string,
  record: UploadRecord,
  secret: string,
  env: Env,
): Promise<string | null> {
  const check = checkCallbackUrl(url, env);
  if (!check.ok) return `refused (${check.rule}): callback_url ${check.reason}`;
  const body = JSON.stringify(record);
  const timestamp = Math.floor(Date.now() / 1000);
  try {
    const response = await fetch(check.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "mediagate-event": `upload.${record.status}`,
        "mediagate-signature": await signature(secret, timestamp, body),
      },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(LIMITS.callbackTimeoutMs),
    });
    await response.body?.cancel();
    return response.ok ? null : `HTTP ${response.status}`;
  } catch (error) {
    return String(error);
  }
}
