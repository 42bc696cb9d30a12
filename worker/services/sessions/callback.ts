// Upload callbacks: the status document POSTed to the backend's callback_url, signed so the backend can
// tell it came from this gateway (the scheme Stripe webhooks use):
//   Mediagate-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(SIGNING_SECRET, "<t>.<body>")>
// The backend recomputes the HMAC over the raw body, compares in constant time and rejects old timestamps.
import type { components } from "../../../generated/gateway";
import { hmac, toHex } from "../../core/crypto";
import { LIMITS } from "../../core/limits";

type UploadRecord = components["schemas"]["UploadStatus"];

export async function signature(secret: string, timestamp: number, body: string): Promise<string> {
  return `t=${timestamp},v1=${toHex(await hmac(secret, `${timestamp}.${body}`))}`;
}

/** POSTs the record; null on a 2xx, else why it failed. */
export async function deliverCallback(
  url: string,
  record: UploadRecord,
  secret: string,
): Promise<string | null> {
  const body = JSON.stringify(record);
  const timestamp = Math.floor(Date.now() / 1000);
  try {
    const response = await fetch(url, {
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
