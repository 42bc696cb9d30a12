// withAuth: Bearer gateway keys from GATEWAY_API_KEYS, compared in constant time.
import type { IRequest } from "itty-router";
import { type Env, gatewayKeys } from "./env";
import { GatewayError } from "./errors";

const encoder = new TextEncoder();

/** HMAC both sides first so timingSafeEqual compares equal-length values and length leaks nothing. */
async function sameSecret(given: string, expected: string, key: CryptoKey): Promise<boolean> {
  const [a, b] = await Promise.all([
    crypto.subtle.sign("HMAC", key, encoder.encode(given)),
    crypto.subtle.sign("HMAC", key, encoder.encode(expected)),
  ]);
  return crypto.subtle.timingSafeEqual(a, b);
}

export async function withAuth(request: IRequest, env: Env): Promise<void> {
  const keys = gatewayKeys(env);
  if (keys.length === 0) {
    throw new GatewayError(
      "unauthorized",
      "This gateway has no API keys configured (GATEWAY_API_KEYS); every call is refused.",
    );
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("authorization") ?? "");
  if (!match?.[1]) throw new GatewayError("unauthorized", "Send Authorization: Bearer <gateway key>.");
  const given = match[1];
  // A per-request random key: the HMACs are only ever compared, never stored.
  const key = (await crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ])) as CryptoKey;
  const results = await Promise.all(keys.map((k) => sameSecret(given, k, key)));
  // Every key is compared (no early exit), so timing says nothing about which key matched.
  if (!results.includes(true)) throw new GatewayError("unauthorized", "The gateway API key is not valid.");
}
