// Delivery of a staged file from R2: streamed to each provider that takes uploads (with an exact length,
// as a direct upload), or — for WaveSpeed over 300 MB — handed over as a signed gateway URL. A staged file
// can be delivered again (POST /v1/uploads/{id}/retry); a streamed request body could not.
import type { components } from "../../../generated/gateway";
import { type Env, providerTimeoutMs } from "../../core/config";
import { toHex } from "../../core/crypto";
import { asGatewayError, GatewayError } from "../../core/errors";
import { LIMITS } from "../../core/limits";
import type { ProviderId } from "../../providers/capability";
import { configured, type ProviderConfig } from "../../providers/config";
import { capability } from "../../providers/registry";
import { forward } from "../upload/forward";
import type { Options, ValidatedFile } from "../upload/validate";
import { signContentUrl } from "./signed-url";

type UploadResult = components["schemas"]["UploadResult"];
export type Delivery = components["schemas"]["Delivery"];

export const STAGED_RETENTION_MS = LIMITS.stagedRetentionMs;

export const stagedKey = (id: string) => `uploads/${id}`;

export interface StagedFile {
  readonly id: string;
  readonly file: Omit<ValidatedFile, "slack">;
  /** The gateway's public origin, for signed URLs. */
  readonly origin: string;
  readonly stagedAt: number;
}

/** Whether the provider gets a URL to the staged copy instead of an upload (WaveSpeed over 300 MiB). */
export function takesUrl(provider: ProviderId, size: number): boolean {
  const above = capability(provider).urlAboveBytes;
  return above !== undefined && size > above;
}

/** SHA-256 of a stream, hashed natively (flat memory). */
async function sha256Of(stream: ReadableStream<Uint8Array>): Promise<string> {
  const digest = new crypto.DigestStream("SHA-256");
  await stream.pipeTo(digest);
  return toHex(await digest.digest);
}

function fileOf(staged: StagedFile, sha256: string): UploadResult["file"] {
  const f = staged.file;
  return { name: f.name, size: f.size, mime_type: f.mimeType, kind: f.kind, sha256 };
}

/** The result for a provider handed a signed URL to the staged copy. */
async function stagedResult(
  env: Env,
  staged: StagedFile,
  provider: ProviderId,
  sha256: string,
): Promise<UploadResult> {
  const expires = new Date(staged.stagedAt + STAGED_RETENTION_MS);
  const url = await signContentUrl(staged.origin, staged.id, expires, env.SIGNING_SECRET ?? "");
  return {
    id: staged.id,
    provider,
    status: "staged",
    file: fileOf(staged, sha256),
    provider_file_id: null,
    url,
    reference: url,
    expires_at: expires.toISOString(),
    provider_response: {},
  };
}

/**
 * A single-request upload that the provider takes as a URL (MAX_REQUEST_BYTES let it through): the body is
 * streamed into R2 with its exact length, hashed on the way, and the provider gets the signed URL. The daily
 * sweep deletes it after retention.
 */
export async function stageDirect(
  env: Env,
  staged: StagedFile,
  provider: ProviderId,
  stream: ReadableStream<Uint8Array>,
) {
  const { readable, writable } = new FixedLengthStream(staged.file.size);
  // Both branches are read at once, so the tee stays paced to the slower (flat memory).
  const [toR2, toHash] = stream.tee();
  const [, sha256] = await Promise.all([
    env.STAGING.put(stagedKey(staged.id), readable, {
      httpMetadata: { contentType: staged.file.mimeType },
      customMetadata: { filename: staged.file.name },
    }),
    sha256Of(toHash),
    toR2.pipeTo(writable),
  ]);
  return stagedResult(env, staged, provider, sha256);
}

async function deliverOne(
  env: Env,
  staged: StagedFile,
  provider: ProviderId,
  options: Options,
): Promise<UploadResult> {
  const object = await env.STAGING.get(stagedKey(staged.id));
  if (!object) throw new GatewayError("not_found", "The staged file is no longer stored.");
  if (takesUrl(provider, staged.file.size))
    return stagedResult(env, staged, provider, await sha256Of(object.body));
  let config: ProviderConfig;
  try {
    config = configured(env, provider);
  } catch (error) {
    await object.body.cancel();
    throw error;
  }
  const { delivered, sha256 } = await forward({
    provider,
    config,
    file: { ...staged.file, slack: 0 },
    options,
    stream: object.body,
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
