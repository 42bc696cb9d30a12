// Signed, expiring gateway URLs to a staged R2 object: what WaveSpeed gets instead of an upload over
// 300 MB. GET /v1/files/{id}/content?expires=<unix s>&signature=<base64url HMAC-SHA256>.

import { b64url, hmac } from "../../core/crypto";
import { GatewayError } from "../../core/errors";

const message = (id: string, expires: number) => `content:${id}:${expires}`;

export async function signContentUrl(
  origin: string,
  id: string,
  expiresAt: Date,
  secret: string,
): Promise<string> {
  const expires = Math.floor(expiresAt.getTime() / 1000);
  const url = new URL(`/v1/files/${id}/content`, origin);
  url.searchParams.set("expires", String(expires));
  url.searchParams.set("signature", b64url(await hmac(secret, message(id, expires))));
  return url.href;
}

/** Checks the signature (constant time: both sides are HMACs of equal length) and the expiry. */
export async function verifyContentUrl(
  url: URL,
  id: string,
  secret: string,
  now = Date.now(),
): Promise<void> {
  const expires = Number(url.searchParams.get("expires"));
  const given = url.searchParams.get("signature") ?? "";
  const expected = b64url(await hmac(secret, message(id, expires)));
  const [a, b] = [await hmac(secret, given), await hmac(secret, expected)];
  if (!Number.isSafeInteger(expires) || !crypto.subtle.timingSafeEqual(a, b)) {
    throw new GatewayError("invalid_token", "This file URL is not valid.");
  }
  if (now / 1000 > expires) throw new GatewayError("token_expired", "This file URL has expired.");
}
