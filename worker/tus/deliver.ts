// Delivery of a staged file from R2: streamed to each provider that takes uploads (with an exact length,
// as a direct upload), or — for WaveSpeed over 300 MB — handed over as a signed gateway URL. A staged file
// can be delivered again (POST /v1/uploads/{id}/retry); a streamed request body could not.
import type { components } from "../../generated/gateway";
import { capability, type ProviderId } from "../capabilities";
import { type Env, providerConfig, providerTimeoutMs } from "../env";
import { GatewayError, isGatewayError } from "../errors";
import { signContentUrl } from "../files/signed-url";
import { forward } from "../upload/forward";
import type { Options, ValidatedFile } from "../upload/validate";

type UploadResult = components["schemas"]["UploadResult"];
type Problem = components["schemas"]["Problem"];
export type Delivery = components["schemas"]["Delivery"];

/** Staged files are kept as long as WaveSpeed keeps its own: 7 days. */
export const STAGED_RETENTION_MS = 7 * 24 * 3600 * 1000;

export const stagedKey = (id: string) => `uploads/${id}`;

export interface StagedFile {
  readonly id: string;
  readonly file: Omit<ValidatedFile, "slack">;
  /** The gateway's public origin, for signed URLs. */
  readonly origin: string;
  readonly stagedAt: number;
}

async function deliverOne(
  env: Env,
  staged: StagedFile,
  provider: ProviderId,
  options: Options,
): Promise<UploadResult> {
  const cap = capability(provider);
  const base = {
    id: staged.id,
    provider,
    file: {
      name: staged.file.name,
      size: staged.file.size,
      mime_type: staged.file.mimeType,
      kind: staged.file.kind,
      sha256: "",
    },
  };
  const object = await env.STAGING.get(stagedKey(staged.id));
  if (!object) throw new GatewayError("not_found", "The staged file is no longer stored.");
  const sha256 = object.customMetadata?.sha256;
  if (cap.urlAboveBytes !== undefined && staged.file.size > cap.urlAboveBytes) {
    await object.body.cancel();
    const expires = new Date(staged.stagedAt + STAGED_RETENTION_MS);
    const url = await signContentUrl(staged.origin, staged.id, expires, env.SIGNING_SECRET ?? "");
    return {
      ...base,
      file: { ...base.file, sha256: sha256 ?? "" },
      status: "staged",
      provider_file_id: null,
      url,
      reference: url,
      expires_at: expires.toISOString(),
      provider_response: {},
    };
  }
  const config = providerConfig(env, provider);
  if (!config) {
    await object.body.cancel();
    throw new GatewayError("provider_not_configured", `Set ${provider.toUpperCase()}_API_KEY.`, { provider });
  }
  const { delivered, sha256: streamed } = await forward({
    provider,
    config,
    file: { ...staged.file, slack: 0 },
    options,
    stream: object.body,
    timeoutMs: providerTimeoutMs(env),
    fetch: (input, init) => fetch(input, init),
  });
  return {
    ...base,
    file: { ...base.file, sha256: streamed },
    status: "uploaded",
    provider_file_id: delivered.providerFileId,
    url: delivered.url,
    reference: delivered.reference,
    expires_at:
      cap.retentionSeconds === null ? null : new Date(Date.now() + cap.retentionSeconds * 1000).toISOString(),
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
        const problem: Problem = (
          isGatewayError(error) ? error : new GatewayError("internal_error", "Delivery failed; see logs.")
        ).toProblem(instance);
        if (!isGatewayError(error)) console.error("delivery failed", error);
        return { provider, error: problem };
      }
    }),
  );
}
