// Delivery of a staged file from R2: streamed to each provider that takes uploads (with an exact length,
// as a direct upload), or — for WaveSpeed over 300 MB — handed over as a signed gateway URL. A staged file
// can be delivered again (POST /v1/uploads/{id}/retry); a streamed request body could not.
import type { components } from "../../../generated/gateway";
import { type Env, providerTimeoutMs } from "../../core/config";
import { asGatewayError, GatewayError } from "../../core/errors";
import { sniff } from "../../core/sniff";
import type { Options, ProviderId } from "../../providers/capability";
import { configured, type ProviderConfig } from "../../providers/config";
import { capability } from "../../providers/registry";
import { fileOf, type StagedFile, sha256Of, stagedKey, stagedResult, takesUrl } from "../staging/staged";
import { forward } from "../upload/forward";

type UploadResult = components["schemas"]["UploadResult"];
export type Delivery = components["schemas"]["Delivery"];

export async function deliverOne(
  env: Env,
  stagedFile: StagedFile,
  provider: ProviderId,
  options: Options,
): Promise<UploadResult> {
  const object = await env.STAGING.get(stagedKey(stagedFile.id));
  if (!object) throw new GatewayError("not_found", "The staged file is no longer stored.");
  // Sniffed at delivery, from the staged copy's first bytes (re-emitted: one read of the object).
  const { stream: body, detected } = await sniff(object.body, stagedFile.file);
  const staged = { ...stagedFile, detected };
  if (takesUrl(provider, staged.file.size)) return stagedResult(env, staged, provider, await sha256Of(body));
  let config: ProviderConfig;
  try {
    config = configured(env, provider);
  } catch (error) {
    await body.cancel();
    throw error;
  }
  const { delivered, sha256 } = await forward({
    provider,
    config,
    file: { ...staged.file, slack: 0 },
    options,
    stream: body,
    timeoutMs: providerTimeoutMs(env),
    fetch: (input, init) => fetch(input, init),
  });
  const retention = capability(provider).retentionSeconds;
  return {
    id: staged.id,
    provider,
    status: "uploaded",
    file: fileOf(staged, sha256),
    provider_file_id: delivered.providerFileId,
    url: delivered.url,
    reference: delivered.reference,
    expires_at: retention === null ? null : new Date(Date.now() + retention * 1000).toISOString(),
    provider_response: delivered.response,
  };
}

/** Delivers to every provider in parallel; each gets its own result or problem. */
export async function deliver(
  env: Env,
  staged: StagedFile,
  providers: readonly ProviderId[],
  options: Options,
  instance: string,
): Promise<Delivery[]> {
  return Promise.all(
    providers.map(async (provider): Promise<Delivery> => {
      try {
        return { provider, result: await deliverOne(env, staged, provider, options) };
      } catch (error) {
        return { provider, error: asGatewayError(error).toProblem(instance) };
      }
    }),
  );
}
