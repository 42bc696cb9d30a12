// Bindings, vars and secrets, and their parsing into typed config. README "Configuration" lists them.
import { capability, type ProviderId } from "./capabilities";

export interface Env {
  /** Secret. Comma-separated gateway API keys; none configured → every /v1 call is refused. */
  GATEWAY_API_KEYS?: string;
  /** Secret. HMAC key for signed upload URLs. */
  SIGNING_SECRET?: string;
  /** Largest request body accepted, in bytes (default 104857600, the Free/Pro edge limit). */
  MAX_REQUEST_BYTES?: string;
  /** How long to wait for a provider's answer once the whole file is sent (default 120000 ms). */
  PROVIDER_TIMEOUT_MS?: string;
  JIMMY_API_KEY?: string;
  JIMMY_BASE_URL?: string;
  DIFY_API_KEY?: string;
  DIFY_BASE_URL?: string;
  MINIMAX_API_KEY?: string;
  MINIMAX_BASE_URL?: string;
  USEAPI_API_KEY?: string;
  USEAPI_BASE_URL?: string;
  /** Default useapi account when a request names none. */
  USEAPI_ACCOUNT?: string;
  WAVESPEED_API_KEY?: string;
  WAVESPEED_BASE_URL?: string;
  /** Origins browsers may call signed upload URLs from: comma-separated, or *. Unset: none. */
  ALLOWED_ORIGINS?: string;
  /** R2 bucket for resumable uploads and URL hand-off. */
  STAGING: R2Bucket;
  /** One Durable Object per signed upload (worker/uploads/session.ts). */
  UPLOADS: DurableObjectNamespace<import("./uploads/session").UploadSession>;
}

export const DEFAULT_MAX_REQUEST_BYTES = 104_857_600;
export const DEFAULT_PROVIDER_TIMEOUT_MS = 120_000;

function positiveInt(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value.trim() === "") return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new Error(`${name} must be a positive integer, got "${value}"`);
  return n;
}

export const maxRequestBytes = (env: Env) =>
  positiveInt(env.MAX_REQUEST_BYTES, DEFAULT_MAX_REQUEST_BYTES, "MAX_REQUEST_BYTES");
export const providerTimeoutMs = (env: Env) =>
  positiveInt(env.PROVIDER_TIMEOUT_MS, DEFAULT_PROVIDER_TIMEOUT_MS, "PROVIDER_TIMEOUT_MS");

export function gatewayKeys(env: Env): string[] {
  return (env.GATEWAY_API_KEYS ?? "")
    .split(",")
    .map((k) => k.trim())
    .filter((k) => k.length > 0);
}

export interface ProviderConfig {
  readonly apiKey: string;
  readonly baseUrl: string;
  /** useapi only: default account. */
  readonly account?: string;
}

/** A provider's key and base URL, or undefined when the gateway holds no key for it. */
export function providerConfig(env: Env, id: ProviderId): ProviderConfig | undefined {
  const prefix = id.toUpperCase() as Uppercase<ProviderId>;
  const apiKey = env[`${prefix}_API_KEY`]?.trim();
  if (!apiKey) return undefined;
  const baseUrl = env[`${prefix}_BASE_URL`]?.trim() || capability(id).defaultBaseUrl;
  const account = id === "useapi" ? env.USEAPI_ACCOUNT?.trim() : undefined;
  return { apiKey, baseUrl, ...(account ? { account } : {}) };
}
