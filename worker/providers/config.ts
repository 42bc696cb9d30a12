// A provider's key, base URL and env-given defaults, read by the names the provider table derives from its id.
import type { Env } from "../core/config";
import { allowPrivateNetwork, envVar } from "../core/config";
import { GatewayError } from "../core/errors";
import { envNames, type FieldName, type ProviderId } from "./kit/capability";
import type { ProviderConfig } from "./kit/types";
import { capability } from "./table";

export type { ProviderConfig } from "./kit/types";

/** Defaults for fields that name an env var (and that var is set). */
export function envDefaults(env: Env, id: ProviderId): Partial<Record<FieldName, string>> {
  const out: Partial<Record<FieldName, string>> = {};
  for (const field of capability(id).fields) {
    const value = field.defaultVar ? envVar(env, field.defaultVar)?.trim() : undefined;
    if (value) out[field.name] = value;
  }
  return out;
}

/** A provider's key and base URL, or undefined when the gateway holds no key for it. */
export function providerConfig(env: Env, id: ProviderId): ProviderConfig | undefined {
  const names = envNames(id);
  const apiKey = envVar(env, names.apiKey)?.trim();
  if (!apiKey) return undefined;
  const baseUrl = envVar(env, names.baseUrl)?.trim() || capability(id).defaultBaseUrl;
  const config = { apiKey, baseUrl, defaults: envDefaults(env, id) };
  return allowPrivateNetwork(env) ? { ...config, allowPrivateNetwork: true } : config;
}

/** The provider's config, or 503 when the gateway holds no key for it. */
export function configured(env: Env, id: ProviderId): ProviderConfig {
  const config = providerConfig(env, id);
  if (!config) {
    throw new GatewayError(
      "provider_not_configured",
      `Set ${envNames(id).apiKey} to upload to ${capability(id).name}.`,
      { extras: { provider: id } },
    );
  }
  return config;
}
