// withAuth: who the Bearer key is. A bootstrap key (GATEWAY_API_KEYS, compared in constant time) acts for a
// project of its own with every scope; a runtime key (services/keys/store.ts) is found by its keyed hash.
// Both are remembered by the isolate for KEY_CACHE_MS (services/keys/cache.ts: the bound on revocation
// elsewhere; in the isolate that revoked it, a key is refused on its very next request).
import type { IRequest } from "itty-router";
import { type Env, gatewayKeys, keyCacheMs } from "../core/config";
import { GatewayError } from "../core/errors";
import { remembered } from "../services/keys/cache";
import { projectOf } from "../services/keys/project";
import { type Action, bootstrapPrincipal, demand, type Principal } from "../services/keys/scope";
import { checkLive, isRuntimeKey, keyByHash, keyHash, principalOf } from "../services/keys/store";
import { ownerOf } from "../services/registry/files";
import type { Vars } from "./context";

const encoder = new TextEncoder();

/** SHA-256 both sides first, so timingSafeEqual compares equal lengths and the length leaks nothing. */
async function sameSecret(given: ArrayBuffer, expected: string): Promise<boolean> {
  const theirs = await crypto.subtle.digest("SHA-256", encoder.encode(expected));
  return crypto.subtle.timingSafeEqual(given, theirs);
}

const refused = () => new GatewayError("unauthorized", "The gateway API key is not valid.");

async function principal(env: Env, token: string): Promise<Principal> {
  const keys = gatewayKeys(env);
  const given = await crypto.subtle.digest("SHA-256", encoder.encode(token));
  const results = await Promise.all(keys.map((k) => sameSecret(given, k)));
  // Every key is compared (no early exit), so timing says nothing about which key matched.
  const ttl = keyCacheMs(env);
  if (results.includes(true)) {
    const project = await ownerOf(token);
    const load = () => projectOf(env.DB, project);
    const row = await remembered(`bootstrap:${project}`, ttl, load, () => project);
    return bootstrapPrincipal(project, row?.quotas ?? {}, row?.keep_days ?? 0);
  }
  // The lookup is by the secret's keyed hash: the database never sees a key, and an index finds it.
  if (!isRuntimeKey(token) || !env.SIGNING_SECRET) throw refused();
  const hash = await keyHash(env.SIGNING_SECRET, token);
  const found = await remembered(
    `key:${hash}`,
    ttl,
    () => keyByHash(env.DB, hash),
    (f) => f.project,
  );
  if (!found) throw refused();
  checkLive(found.key);
  return principalOf(found.key, found.project, found.projectQuotas, found.projectKeepDays);
}

export async function withAuth(request: IRequest, env: Env, _ctx: unknown, vars: Vars): Promise<void> {
  // Without bootstrap keys, only runtime keys can work, and they need SIGNING_SECRET (their keyed hash).
  if (gatewayKeys(env).length === 0 && !env.SIGNING_SECRET) {
    throw new GatewayError(
      "unauthorized",
      "This gateway has no API keys configured (GATEWAY_API_KEYS); every call is refused.",
    );
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("authorization") ?? "");
  if (!match?.[1]) throw new GatewayError("unauthorized", "Send Authorization: Bearer <gateway key>.");
  vars.principal = await principal(env, match[1]);
}

/** withScope: the key may take `action`, or one of the others named (403 scope_denied naming the first). */
export const withScope =
  (action: Action, ...or: Action[]) =>
  (_request: IRequest, _env: Env, _ctx: unknown, vars: Vars): void => {
    const who = vars.principal;
    if (!who) throw new Error("unreachable: withScope before withAuth");
    if (or.some((other) => who.actions.includes(other))) return;
    demand(who, action);
  };
