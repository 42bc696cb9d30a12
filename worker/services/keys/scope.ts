// Who a request acts as (a principal) and what it may do: its project, its providers and actions, its
// quotas. A bootstrap key (GATEWAY_API_KEYS) may do everything in a project of its own; a key created at
// runtime (./store.ts) only what it was given, and never more than the key that created it.
import type { components } from "../../../generated/gateway";
import { GatewayError, type SizeLimit } from "../../core/errors";
import type { ProviderId } from "../../providers/kit/capability";

export type Action = components["schemas"]["Action"];
export type Quotas = components["schemas"]["Quotas"];

/** Every action, in the spec's order (the compiler holds the list to the spec's enum). */
export const ACTIONS = [
  "upload",
  "tickets",
  "files:read",
  "files:delete",
  "usage:read",
  "keys:admin",
  "events:read",
  "webhooks:admin",
] as const satisfies readonly Action[];
const _everyAction: [Exclude<Action, (typeof ACTIONS)[number]>] extends [never] ? true : never = true;

export const QUOTA_NAMES = [
  "bytes_per_day",
  "uploads_per_minute",
  "max_file_bytes",
  "concurrent_uploads",
] as const satisfies readonly (keyof Quotas)[];

export interface Principal {
  /** The owner of everything this key and its tickets create (files.owner, upload records). */
  readonly project: string;
  /** The key's id: "key_…" for a stored key, "boot_…" for a bootstrap key. */
  readonly keyId: string;
  /** What names the key in lists and the audit log: never enough of it to use it. */
  readonly prefix: string;
  /** Providers it may use; null: every provider. */
  readonly providers: readonly ProviderId[] | null;
  readonly actions: readonly Action[];
  /** The key's own quotas. */
  readonly quotas: Quotas;
  /** The project's (PUT /v1/project), which every key and ticket of the project counts against together. */
  readonly projectQuotas: Quotas;
  /**
   * The project's keep_days (PUT /v1/project): read with the key, so an upload's default retention costs no
   * database call of its own (services/upload/kept.ts keepDaysFor).
   */
  readonly projectKeepDays: number;
}

/**
 * A bootstrap key's principal (GATEWAY_API_KEYS): every scope, no quota, in the project that is its
 * fingerprint. It is named by that fingerprint, never by its own characters.
 */
export function bootstrapPrincipal(
  project: string,
  projectQuotas: Quotas,
  projectKeepDays: number,
): Principal {
  const name = `boot_${project.slice(0, 8)}`;
  const all = { providers: null, actions: ACTIONS, quotas: {} };
  return { project, keyId: name, prefix: name, ...all, projectQuotas, projectKeepDays };
}

const denied = (missing: string, detail: string) =>
  new GatewayError("scope_denied", detail, { extras: { missing } });

/** Throws 403 scope_denied unless the principal may take `action`. */
export function demand(principal: Principal, action: Action): void {
  if (!principal.actions.includes(action))
    throw denied(action, `This key may not do "${action}"; create one with that action (POST /v1/keys).`);
}

export const reaches = (principal: Principal, provider: ProviderId): boolean =>
  principal.providers === null || principal.providers.includes(provider);

/** Throws 403 scope_denied unless the principal may use `provider`. */
export function demandProvider(principal: Principal, provider: ProviderId): void {
  if (!reaches(principal, provider))
    throw denied(provider, `This key may not use the provider "${provider}".`);
}

/**
 * The scope of a key `creator` makes: what it asks for, never beyond the creator's own (omitted lists and
 * quotas take the creator's). Throws scope_denied naming the first thing asked for beyond it.
 */
export function narrower(
  creator: Principal,
  asked: { providers?: readonly ProviderId[]; actions?: readonly Action[]; quotas?: Quotas },
): { providers: Principal["providers"]; actions: Principal["actions"]; quotas: Quotas } {
  const providers = asked.providers ?? creator.providers;
  for (const p of providers ?? []) demandProvider(creator, p);
  const actions = asked.actions ?? creator.actions;
  for (const a of actions) demand(creator, a);
  const quotas: Quotas = { ...creator.quotas };
  for (const name of QUOTA_NAMES) {
    const want = asked.quotas?.[name];
    if (want === undefined) continue;
    const own = creator.quotas[name];
    if (own !== undefined && want > own)
      throw denied(name, `"quotas.${name}" may be at most ${own}, this key's own.`);
    quotas[name] = want;
  }
  return { providers, actions, quotas };
}

/**
 * The key's or the project's max_file_bytes (the smaller) as a size limit — 413 file_too_large like every
 * other — if either has one.
 */
export function fileLimitOf(principal: Principal | undefined): SizeLimit | undefined {
  const own = principal?.quotas.max_file_bytes;
  const project = principal?.projectQuotas.max_file_bytes;
  if (own === undefined && project === undefined) return undefined;
  if (project === undefined || (own !== undefined && own <= project))
    return { bytes: own as number, detail: `This key takes files up to ${own} bytes` };
  return { bytes: project, detail: `This project takes files up to ${project} bytes` };
}

/** Whether `who` may set the project's quotas: an admin bound by no provider list and no quota. */
export function demandProjectAdmin(who: Principal): void {
  demand(who, "keys:admin");
  if (who.providers !== null || Object.keys(who.quotas).length > 0)
    throw denied(
      "keys:admin",
      "Only a key with no provider list and no quotas of its own (a bootstrap key) sets the project's quotas.",
    );
}
