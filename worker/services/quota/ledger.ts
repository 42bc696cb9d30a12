// The quota arithmetic of one project, pure (its Durable Object, ./project.ts, holds one and persists it):
// reservations of uploads in flight, bytes settled per UTC day, starts in the last minute. Each scope (a
// key, or the project) is held to its own quotas. The rule for bytes: an upload reserves its declared
// length (or, with none, the most it may send) before a byte is forwarded and is refused unless
// settled + reserved + its length fits the day's quota; it settles with what the provider received. So a
// day's bytes never exceed bytes_per_day at all; an unsettled reservation lapses after LIMITS.quotaLeaseMs.
import { LIMITS } from "../../core/limits";
import type { Quotas } from "../keys/scope";
import { today } from "../usage/usage";

export type QuotaName = "bytes_per_day" | "uploads_per_minute" | "concurrent_uploads";

export interface Scope {
  /** A key id, or "project". */
  readonly id: string;
  readonly quotas: Quotas;
}

interface Hold {
  readonly scopes: readonly string[];
  readonly bytes: number;
  readonly until: number;
}

export interface LedgerState {
  day: string;
  /** Bytes settled today, per scope. */
  used: Record<string, number>;
  /** Start times (Unix ms) within the last minute, per scope with an uploads_per_minute quota. */
  starts: Record<string, number[]>;
  holds: Record<string, Hold>;
}

export type Reserved =
  | { readonly ok: true; readonly id: string; readonly headers: Record<string, string> }
  | {
      readonly ok: false;
      /** Whose quota: the scope's id (a key id, or "project"). */
      readonly scope: string;
      readonly quota: QuotaName;
      readonly retryAfter: number;
      readonly headers: Record<string, string>;
    };

const MINUTE = 60_000;
const toMidnight = (now: number) => Math.ceil((Date.UTC(...utcDate(now)) + 86_400_000 - now) / 1000);
function utcDate(now: number): [number, number, number] {
  const d = new Date(now);
  return [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()];
}

export const emptyLedger = (now: number): LedgerState => ({
  day: today(now),
  used: {},
  starts: {},
  holds: {},
});

/** Drops what no longer counts: another day's bytes, starts older than a minute, lapsed holds. */
function tidy(state: LedgerState, now: number): void {
  if (state.day !== today(now)) {
    state.day = today(now);
    state.used = {};
  }
  for (const [scope, times] of Object.entries(state.starts)) {
    const recent = times.filter((t) => t > now - MINUTE);
    if (recent.length) state.starts[scope] = recent;
    else delete state.starts[scope];
  }
  for (const [id, hold] of Object.entries(state.holds)) if (hold.until <= now) delete state.holds[id];
}

const holdsOf = (state: LedgerState, scope: string) =>
  Object.values(state.holds).filter((h) => h.scopes.includes(scope));

/**
 * The IETF httpapi RateLimit fields (draft-ietf-httpapi-ratelimit-headers: RateLimit-Policy names each
 * quota with q (quota), w (window, s) and qu (unit); RateLimit gives r (remaining) and t (seconds to reset)).
 */
function fields(state: LedgerState, scopes: readonly Scope[], now: number): Record<string, string> {
  const policies: string[] = [];
  const limits: string[] = [];
  for (const scope of scopes) describe(state, scope, now, policies, limits);
  return policies.length ? { "ratelimit-policy": policies.join(", "), ratelimit: limits.join(", ") } : {};
}

/** One scope's policies and their state; a project's are named "project_…" beside a key's. */
function describe(state: LedgerState, scope: Scope, now: number, policies: string[], limits: string[]): void {
  const name = (quota: string) => (scope.id === "project" ? `"project_${quota}"` : `"${quota}"`);
  const q = scope.quotas;
  if (q.bytes_per_day !== undefined) {
    const taken = (state.used[scope.id] ?? 0) + holdsOf(state, scope.id).reduce((n, h) => n + h.bytes, 0);
    policies.push(`${name("bytes_per_day")};q=${q.bytes_per_day};w=86400;qu="content-bytes"`);
    limits.push(`${name("bytes_per_day")};r=${Math.max(0, q.bytes_per_day - taken)};t=${toMidnight(now)}`);
  }
  if (q.uploads_per_minute !== undefined) {
    const times = state.starts[scope.id] ?? [];
    const reset = times[0] === undefined ? 0 : Math.ceil((times[0] + MINUTE - now) / 1000);
    policies.push(`${name("uploads_per_minute")};q=${q.uploads_per_minute};w=60`);
    limits.push(
      `${name("uploads_per_minute")};r=${Math.max(0, q.uploads_per_minute - times.length)};t=${reset}`,
    );
  }
  if (q.concurrent_uploads !== undefined) {
    policies.push(`${name("concurrent_uploads")};q=${q.concurrent_uploads};qu="concurrent-requests"`);
    limits.push(
      `${name("concurrent_uploads")};r=${Math.max(0, q.concurrent_uploads - holdsOf(state, scope.id).length)}`,
    );
  }
}

/** The first quota of `scope` that an upload of `bytes` would break, with when to try again. */
function breaks(state: LedgerState, scope: Scope, bytes: number, now: number) {
  const q = scope.quotas;
  const held = holdsOf(state, scope.id);
  if (q.concurrent_uploads !== undefined && held.length >= q.concurrent_uploads)
    return { quota: "concurrent_uploads" as const, retryAfter: LIMITS.quotaConcurrentRetrySeconds };
  const times = state.starts[scope.id] ?? [];
  if (q.uploads_per_minute !== undefined && times.length >= q.uploads_per_minute)
    return {
      quota: "uploads_per_minute" as const,
      retryAfter: Math.ceil(((times[0] ?? now) + MINUTE - now) / 1000),
    };
  if (q.bytes_per_day !== undefined) {
    const used = state.used[scope.id] ?? 0;
    const reserved = held.reduce((n, h) => n + h.bytes, 0);
    if (used + reserved + bytes > q.bytes_per_day) {
      // Settled bytes alone leave no room: tomorrow; otherwise uploads in flight may settle for less.
      const retryAfter =
        used + bytes > q.bytes_per_day ? toMidnight(now) : LIMITS.quotaConcurrentRetrySeconds;
      return { quota: "bytes_per_day" as const, retryAfter };
    }
  }
  return null;
}

/** Reserves `bytes` for one upload in every scope, or names the quota it would break (nothing changes then). */
export function reserve(state: LedgerState, scopes: readonly Scope[], bytes: number, now: number): Reserved {
  tidy(state, now);
  const headers = (s: LedgerState) => fields(s, scopes, now);
  if (Object.keys(state.holds).length >= LIMITS.quotaReservations)
    return {
      ok: false,
      scope: "project",
      quota: "concurrent_uploads",
      retryAfter: LIMITS.quotaConcurrentRetrySeconds,
      headers: headers(state),
    };
  for (const scope of scopes) {
    const broken = breaks(state, scope, bytes, now);
    if (broken) return { ok: false, scope: scope.id, ...broken, headers: headers(state) };
  }
  const id = crypto.randomUUID();
  state.holds[id] = { scopes: scopes.map((s) => s.id), bytes, until: now + LIMITS.quotaLeaseMs };
  for (const scope of scopes) {
    if (scope.quotas.uploads_per_minute === undefined) continue;
    state.starts[scope.id] = [...(state.starts[scope.id] ?? []), now];
  }
  return { ok: true, id, headers: headers(state) };
}

/** Ends a reservation: `bytes` (what the provider received; 0 for a failure) count against today. */
export function settle(state: LedgerState, id: string, bytes: number, now: number): void {
  tidy(state, now);
  const hold = state.holds[id];
  if (!hold) return;
  delete state.holds[id];
  for (const scope of hold.scopes) state.used[scope] = (state.used[scope] ?? 0) + bytes;
}
