// Bindings, vars and secrets, and their parsing into typed config. docs/configuration.md lists them.
// Provider keys and base URLs are named after the provider ids (providers/config.ts reads them).
import type { components } from "../../generated/gateway";
import { LIMITS } from "./limits";

type ProviderVars = {
  readonly [K in components["schemas"]["ProviderId"] as `${Uppercase<K>}_${"API_KEY" | "BASE_URL"}`]?: string;
};

export interface Env extends ProviderVars {
  /** Secret. Comma-separated gateway API keys; none configured → every /v1 call is refused. */
  GATEWAY_API_KEYS?: string;
  /** Secret. HMAC key for signed upload URLs. */
  SIGNING_SECRET?: string;
  /** Largest request body accepted, in bytes (default LIMITS.defaultMaxRequestBytes). */
  MAX_REQUEST_BYTES?: string;
  /** How long to wait for a provider's answer once the whole file is sent (default 120000 ms). */
  PROVIDER_TIMEOUT_MS?: string;
  /** An incoming body with no bytes for this long is cut with upload_stalled (default 60000 ms). */
  IDLE_TIMEOUT_MS?: string;
  /**
   * Imports (a JSON body with a url): the source's headers must arrive within this, and its body may pause
   * no longer while it streams (default 30000 ms); else 504 source_timeout.
   */
  IMPORT_TIMEOUT_MS?: string;
  /** Default useapi account when a request names none. */
  USEAPI_ACCOUNT?: string;
  /** Origins browsers may call signed upload URLs from: comma-separated, or *. Unset: none. */
  ALLOWED_ORIGINS?: string;
  /**
   * Development only: "true" lets callbacks and imports reach localhost and private addresses, over plain http too
   * (npm start and the tests set it; production never should). Anything else: refused (core/url-guard.ts).
   */
  ALLOW_PRIVATE_NETWORK?: string;
  /**
   * The gateway's public origin (https://uploads.example.com): the start of every URL it mints (upload_url,
   * tus_url, tus Location, staged files' signed URLs). Unset: the request's own origin, i.e. its Host header.
   */
  PUBLIC_URL?: string;
  /**
   * Milliseconds an isolate answers a key from memory (0: every request asks D1); at most LIMITS.maxKeyCacheMs,
   * the bound on revocation in other isolates (services/keys/cache.ts).
   */
  KEY_CACHE_MS?: string;
  /** D1: the file registry (services/registry/files.ts; schema in migrations/). */
  DB: D1Database;
  /** R2 bucket for resumable uploads and URL hand-off. */
  STAGING: R2Bucket;
  /**
   * One Durable Object per upload. Typed where it is used (services/sessions/session.ts uploadSession), so this bottom layer
   * names no class above it.
   */
  UPLOADS: DurableObjectNamespace;
  /** One Durable Object per project: its quotas (services/quota/project.ts). */
  QUOTAS: DurableObjectNamespace;
  /** The webhook delivery queue (services/events): a message names an event. Unbound: events are only logged. */
  EVENTS?: Queue<{ readonly event: string }>;
}

function positiveInt(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value.trim() === "") return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new Error(`${name} must be a positive integer, got "${value}"`);
  return n;
}

export const maxRequestBytes = (env: Env) =>
  positiveInt(env.MAX_REQUEST_BYTES, LIMITS.defaultMaxRequestBytes, "MAX_REQUEST_BYTES");
export const providerTimeoutMs = (env: Env) =>
  positiveInt(env.PROVIDER_TIMEOUT_MS, LIMITS.defaultProviderTimeoutMs, "PROVIDER_TIMEOUT_MS");

export const idleTimeoutMs = (env: Env) =>
  positiveInt(env.IDLE_TIMEOUT_MS, LIMITS.defaultIdleTimeoutMs, "IDLE_TIMEOUT_MS");
export const importTimeoutMs = (env: Env) =>
  positiveInt(env.IMPORT_TIMEOUT_MS, LIMITS.defaultImportTimeoutMs, "IMPORT_TIMEOUT_MS");
/** KEY_CACHE_MS: 0 allowed (no cache), at most LIMITS.maxKeyCacheMs. */
export function keyCacheMs(env: Env): number {
  const value = env.KEY_CACHE_MS;
  if (value === undefined || value.trim() === "") return LIMITS.defaultKeyCacheMs;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0 || n > LIMITS.maxKeyCacheMs)
    throw new Error(`KEY_CACHE_MS must be an integer from 0 to ${LIMITS.maxKeyCacheMs}, got "${value}"`);
  return n;
}
export const allowPrivateNetwork = (env: Env) => env.ALLOW_PRIVATE_NETWORK === "true";

/**
 * The origin of every URL the gateway mints: PUBLIC_URL when set (an http(s) origin, no path, query or
 * credentials; anything else is a configuration error), else the request's own, which the Host header decides.
 */
export function publicOrigin(request: Request, env: Env): string {
  const configured = env.PUBLIC_URL?.trim();
  if (!configured) return new URL(request.url).origin;
  let url: URL | null = null;
  try {
    url = new URL(configured);
  } catch {}
  // An origin and nothing else: no credentials, path, query or fragment (a trailing "/" is fine).
  if (!url || !["https:", "http:"].includes(url.protocol) || url.href !== `${url.origin}/`) {
    throw new Error(`PUBLIC_URL must be an origin such as https://uploads.example.com, got "${configured}"`);
  }
  return url.origin;
}

export function gatewayKeys(env: Env): string[] {
  return (env.GATEWAY_API_KEYS ?? "")
    .split(",")
    .map((k) => k.trim())
    .filter((k) => k.length > 0);
}

/** Any var by name (providers declare extra ones, e.g. USEAPI_ACCOUNT). */
export const envVar = (env: Env, name: string): string | undefined => {
  const value = (env as unknown as Record<string, unknown>)[name];
  return typeof value === "string" ? value : undefined;
};
