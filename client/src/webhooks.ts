// Receiving Mediagate's webhooks: verifyWebhook checks a delivery as the Standard Webhooks specification
// defines it (https://www.standardwebhooks.com): HMAC-SHA256 keyed by the base64 after "whsec_", over
// "<webhook-id>.<webhook-timestamp>.<raw body>", sent as "v1,<base64>" (several, space-separated, while a
// secret rotates), and a timestamp within a tolerance so an old delivery cannot be replayed. Web Crypto only:
// Node 20+, browsers' service workers, workerd, Deno, Bun.
import type { components } from "../../generated/gateway";

/** The delivered body: `data` is the UploadResult (upload.completed), the failure, or the file's record. */
export interface WebhookEvent {
  readonly id: string;
  readonly type: components["schemas"]["EventType"];
  readonly created_at: string;
  readonly data: Record<string, unknown>;
  readonly request_id: string | null;
}

export class WebhookVerificationError extends Error {
  override readonly name = "WebhookVerificationError";
}

export interface VerifyOptions {
  /** How far webhook-timestamp may be from now, in seconds (Standard Webhooks' libraries use 5 minutes). */
  readonly toleranceSeconds?: number;
  /** Now, in ms (tests). */
  readonly now?: number;
}

type HeaderSource = Headers | Record<string, string | string[] | undefined>;

function header(headers: HeaderSource, name: string): string {
  const value =
    headers instanceof Headers ? headers.get(name) : (headers[name] ?? headers[name.toLowerCase()]);
  const one = Array.isArray(value) ? value[0] : value;
  if (!one) throw new WebhookVerificationError(`Missing the ${name} header.`);
  return one;
}

const bytesOf = (base64: string) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

/**
 * Verifies one delivery and returns its event; throws WebhookVerificationError when the signature, the
 * headers or the timestamp do not hold. `body` is the raw body as received (parse only after verifying).
 */
export async function verifyWebhook(
  secret: string,
  headers: HeaderSource,
  body: string,
  options: VerifyOptions = {},
): Promise<WebhookEvent> {
  const id = header(headers, "webhook-id");
  const timestamp = header(headers, "webhook-timestamp");
  const signatures = header(headers, "webhook-signature");
  const seconds = Number(timestamp);
  const now = (options.now ?? Date.now()) / 1000;
  if (!/^\d+$/.test(timestamp) || Math.abs(now - seconds) > (options.toleranceSeconds ?? 300))
    throw new WebhookVerificationError("The webhook-timestamp is missing or too far from now.");
  let key: CryptoKey;
  try {
    const raw = bytesOf(secret.startsWith("whsec_") ? secret.slice(6) : secret);
    key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  } catch {
    throw new WebhookVerificationError("The secret is not a whsec_ secret.");
  }
  const signed = new TextEncoder().encode(`${id}.${timestamp}.${body}`);
  const expected = new Uint8Array(await crypto.subtle.sign("HMAC", key, signed));
  for (const candidate of signatures.split(" ")) {
    const [version, value] = candidate.split(",");
    if (version !== "v1" || !value) continue;
    let given: Uint8Array;
    try {
      given = bytesOf(value);
    } catch {
      continue;
    }
    if (sameBytes(given, expected)) return JSON.parse(body) as WebhookEvent;
  }
  throw new WebhookVerificationError("No signature matches: wrong secret, or the body was changed.");
}
