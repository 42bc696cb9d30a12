// The values middleware finds for one request, typed (as hono's `c.var`): handed to every handler as the
// router's last argument, never glued onto the request.
import type { Env } from "../core/config";
import type { ProviderConfig } from "../providers/config";
import type { ProviderId } from "../providers/kit/capability";
import type { Principal } from "../services/keys/scope";

/** What the access line reports that only a handler learns (http/access.ts). */
export interface Reported {
  /** The provider (or providers, comma-separated) an upload went to, where the path does not name it. */
  provider?: string;
  /** Bytes of the request body the gateway read (an upload's, a PATCH's). */
  received?: number;
}

export interface Vars {
  /** The request's id (core/request-id.ts): on its answer, its problems and every log line about it. */
  readonly requestId: string;
  readonly reported: Reported;
  /** Who the gateway key acts as (its project, scope and quotas), once withAuth has checked it. */
  principal?: Principal;
  /** The provider the path names, once withProvider has checked it is known and configured. */
  provider?: { readonly id: ProviderId; readonly config: ProviderConfig };
}

/** What every handler and middleware receives after the request. */
export type Args = [env: Env, ctx: ExecutionContext, vars: Vars];

/** A value a route's middleware sets: missing, the route table is wrong, not the caller. */
export function need<K extends keyof Vars>(vars: Vars, key: K): NonNullable<Vars[K]> {
  const value = vars[key];
  if (value === undefined) throw new Error(`unreachable: no "${key}" (a route without its middleware)`);
  return value as NonNullable<Vars[K]>;
}

/** The caller's owner, once withAuth has checked its key: the key's project (a fingerprint, never a key). */
export const ownerIn = (vars: Vars): string => need(vars, "principal").project;
