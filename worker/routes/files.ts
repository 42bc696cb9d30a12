// POST /v1/providers/:provider/files — one upload, streamed to the provider.
import type { IRequest } from "itty-router";
import type { components } from "../../generated/gateway";
import { capability, isProviderId, type ProviderId } from "../capabilities";
import { type Env, maxRequestBytes, type ProviderConfig, providerConfig, providerTimeoutMs } from "../env";
import { GatewayError } from "../errors";
import { forward } from "../upload/forward";
import { readIntake } from "../upload/intake";
import { validateFile, validateOptions } from "../upload/validate";

type UploadResult = components["schemas"]["UploadResult"];

export interface ProviderRequest extends IRequest {
  provider: ProviderId;
  providerConfig: ProviderConfig;
}

/** withProvider: a known provider, for which the gateway holds a key. */
export function withProvider(request: IRequest, env: Env): void {
  const id = request.params.provider ?? "";
  if (!isProviderId(id)) throw new GatewayError("unknown_provider", `No provider "${id}".`);
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
  Object.assign(request, { provider: id, providerConfig: config });
}

export async function uploadFile(request: ProviderRequest, env: Env): Promise<Response> {
  const cap = capability(request.provider);
  const intake = await readIntake(request, { maxRequestBytes: maxRequestBytes(env) });
  let validated: ReturnType<typeof check>;
  try {
    validated = check();
  } catch (error) {
    // Refused before a byte was forwarded: stop reading the body.
    await intake.stream.cancel(error).catch(() => {});
    throw error;
  }
  function check() {
    const options = validateOptions(cap, intake.options);
    return { options, file: validateFile(cap, intake, options) };
  }
  const { delivered, sha256, size } = await forward({
    provider: request.provider,
    config: request.providerConfig,
    file: validated.file,
    options: validated.options,
    stream: intake.stream,
    timeoutMs: providerTimeoutMs(env),
    fetch: (input, init) => fetch(input, init),
  });
  const id = crypto.randomUUID();
  const result: UploadResult = {
    id,
    provider: request.provider,
    status: "uploaded",
    file: {
      name: validated.file.name,
      size,
      mime_type: validated.file.mimeType,
      kind: validated.file.kind,
      sha256,
    },
    provider_file_id: delivered.providerFileId,
    url: delivered.url,
    reference: delivered.reference,
    expires_at:
      cap.retentionSeconds === null ? null : new Date(Date.now() + cap.retentionSeconds * 1000).toISOString(),
    provider_response: delivered.response,
  };
  return Response.json(result, { status: 201 });
}
