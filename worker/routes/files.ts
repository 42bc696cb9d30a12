// POST /v1/providers/:provider/files — one upload, streamed to the provider.
import type { IRequest } from "itty-router";
import { capability, isProviderId, type ProviderId } from "../capabilities";
import { type Env, type ProviderConfig, providerConfig } from "../env";
import { GatewayError } from "../errors";
import { receive } from "../upload/receive";

export interface ProviderRequest extends IRequest {
  provider: ProviderId;
  providerConfig: ProviderConfig;
}

/** The provider's config, or 503 when the gateway holds no key for it. */
export function configured(env: Env, id: ProviderId): ProviderConfig {
  const config = providerConfig(env, id);
  if (!config) {
    throw new GatewayError(
      "provider_not_configured",
      `Set ${id.toUpperCase()}_API_KEY to upload to ${capability(id).name}.`,
      {
        provider: id,
      },
    );
  }
  return config;
}

/** withProvider: a known provider, for which the gateway holds a key. */
export function withProvider(request: IRequest, env: Env): void {
  const id = request.params.provider ?? "";
  if (!isProviderId(id)) throw new GatewayError("unknown_provider", `No provider "${id}".`);
  Object.assign(request, { provider: id, providerConfig: configured(env, id) });
}

export async function uploadFile(request: ProviderRequest, env: Env): Promise<Response> {
  const result = await receive(request, env, {
    id: crypto.randomUUID(),
    provider: request.provider,
    config: request.providerConfig,
  });
  return Response.json(result, { status: 201 });
}
