// withAuth: Bearer gateway keys from GATEWAY_API_KEYS, compared in constant time.
import type { IRequest } from "itty-router";
import { type Env, gatewayKeys } from "../core/config";
import { GatewayError } from "../core/errors";
import { ownerOf } from "../services/registry/files";
import type { Vars } from "./context";

const encoder = new TextEncoder();

/** SHA-256 both sides first, so timingSafeEqual compares equal lengths and the length leaks nothing. */
async function sameSecret(given: ArrayBuffer, expected: string): Promise<boolean> {
  const theirs = await crypto.subtle.digest("SHA-256", encoder.encode(expected));
  return crypto.subtle.timingSafeEqual(given, theirs);
}

export async function withAuth(request: IRequest, env: Env, _ctx: unknown, vars: Vars): Promise<void> {
  const keys = gatewayKeys(env);
  if (keys.length === 0) {
    throw new GatewayError(
      "unauthorized",
      "This gateway has no API keys configured (GATEWAY_API_KEYS); every call is refused.",
    );
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("authorization") ?? "");
  if (!match?.[1]) throw new GatewayError("unauthorized", "Send Authorization: Bearer <gateway key>.");
  const given = await crypto.subtle.digest("SHA-256", encoder.encode(match[1]));
  const results = await Promise.all(keys.map((k) => sameSecret(given, k)));
  // Every key is compared (no early exit), so timing says nothing about which key matched.
  if (!results.includes(true)) throw new GatewayError("unauthorized", "The gateway API key is not valid.");
  // The tenant: a fingerprint of the key (services/registry/files.ts), never the key.
  vars.owner = await ownerOf(match[1]);
}
