// Delivery of a staged file from R2: streamed to each provider that takes uploads (with an exact length,
// as a direct upload), or — for WaveSpeed over 300 MB — handed over as a signed gateway URL. A staged file
// can be delivered again (POST /v1/uploads/{id}/retry); a streamed request body could not.
import type { components } from "../../../generated/gateway";
import { type Env, providerTimeoutMs } from "../../core/config";
import { toHex } from "../../core/crypto";
import { asGatewayError, GatewayError } from "../../core/errors";
import { LIMITS } from "../../core/limits";
import { sniff } from "../../core/sniff";
import { adapter } from "../../providers/adapters";
import { configured, type ProviderConfig } from "../../providers/config";
import { toGatewayError } from "../../providers/failure";
import { answerCapped } from "../../providers/kit/answer";
import type { Options, ProviderId } from "../../providers/kit/capability";
import { capability } from "../../providers/table";
import { openStaged } from "../staging/concat";
import {
  fileOf,
  type StagedFile,
  sha256Of,
  stagedKey,
  stagedResult,
  takesUrl,
  uploadedResult,
} from "../staging/staged";

type UploadResult = components["schemas"]["UploadResult"];
export type Delivery = components["schemas"]["Delivery"];

/** The staged file's bytes (`range`: only those), from its object or its pieces in order; or not_found. */
async function stagedBody(
  env: Env,
  staged: StagedFile,
  range?: { offset: number; length: number },
): Promise<ReadableStream<Uint8Array>> {
  const body = await openStaged(env.STAGING, stagedKey(staged.id), staged.pieces, range);
  if (!body) throw new GatewayError("not_found", "The staged file is no longer stored.");
  return body;
}

/**
 * The staged file's one SHA-256: known (kept with the upload's record), or hashed from a branch of the
 * first delivery's own read of the object (a tee: the two branches are paced to the slower, so memory stays
 * flat), or — when no delivery reads the object (a provider that takes a URL) — from a read of its own.
 * Either way the object is read for hashing at most once, and not at all a second time beside a delivery.
 */
export class StagedDigest {
  private started: boolean;
  private readonly result = Promise.withResolvers<string>();

  constructor(
    private readonly env: Env,
    private readonly staged: StagedFile,
  ) {
    this.result.promise.catch(() => {});
    this.started = staged.sha256 !== undefined;
    if (staged.sha256 !== undefined) this.result.resolve(staged.sha256);
  }

  /** The body a delivery sends: the first one's is a branch of a tee whose other branch is hashed. */
  share(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
    if (this.started) return body;
    this.started = true;
    const [send, hashed] = body.tee();
    // A branch that fails (the delivery's read broke off) leaves the hash to a read of its own.
    sha256Of(hashed).then(this.result.resolve, () => this.readOwn());
    return send;
  }

  /** The digest; read from R2 on its own if no delivery has shared its read. */
  get(): Promise<string> {
    if (!this.started) {
      this.started = true;
      this.readOwn();
    }
    return this.result.promise;
  }

  /** The digest if anything has started computing it (else undefined, without starting a read). */
  settled(): Promise<string | undefined> {
    return this.started ? this.result.promise.catch(() => undefined) : Promise.resolve(undefined);
  }

  private readOwn(): void {
    stagedBody(this.env, this.staged)
      .then((body) => sha256Of(body))
      .then(this.result.resolve, this.result.reject);
  }
}

/**
 * One delivery: the R2 object's body goes to the provider natively (as the request body for a raw
 * provider, between preamble and epilogue in a FixedLengthStream for a multipart one): no JS reads it, so
 * delivering gigabytes costs next to no isolate CPU. The file's SHA-256 comes from `digest`, shared by a
 * fan-out's deliveries (deliver()).
 */
export async function deliverOne(
  env: Env,
  stagedFile: StagedFile,
  provider: ProviderId,
  options: Options,
  digest: StagedDigest = new StagedDigest(env, stagedFile),
  id: string = stagedFile.id,
): Promise<UploadResult> {
  // Sniffed at delivery, from the staged copy's first bytes: a ranged read, so the object's own body stays
  // native for the delivery.
  const head = await stagedBody(env, stagedFile, { offset: 0, length: LIMITS.sniffBytes });
  const { reader: sample, detected } = await sniff(head, stagedFile.file);
  await sample.cancel().catch(() => {});
  const staged = { ...stagedFile, detected };
  if (takesUrl(provider, staged.file.size))
    return stagedResult(env, staged, provider, await digest.get(), id);
  const object = { body: await stagedBody(env, staged) };
  let config: ProviderConfig;
  try {
    config = configured(env, provider);
  } catch (error) {
    await object.body.cancel();
    throw error;
  }
  const name = capability(provider).name;
  const timeoutMs =
    providerTimeoutMs(env) + Math.ceil((staged.file.size / LIMITS.deliveryMinBytesPerSecond) * 1000);
  const timeout = new GatewayError("provider_timeout", `${name}: no answer within ${timeoutMs} ms.`, {
    extras: { provider },
  });
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(timeout), timeoutMs);
  const body = digest.share(object.body);
  let result: Awaited<ReturnType<ReturnType<typeof adapter>["upload"]>>;
  try {
    result = await adapter(provider).upload({
      file: {
        name: staged.file.name,
        type: staged.file.mimeType,
        size: staged.file.size,
        stream: body,
        native: true,
      },
      options,
      config,
      fetch: answerCapped(),
      signal: controller.signal,
    });
  } finally {
    clearTimeout(timer);
    // A body the provider's request left unread (an early answer) would hold the tee's bytes for it: the
    // abort stops a multipart pipe into it (providers/kit/encode.ts), and the cancel lets a raw one go.
    if (!controller.signal.aborted) controller.abort(new Error("delivery finished"));
    body.cancel().catch(() => {});
  }
  if (result.error) throw toGatewayError(provider, result.error);
  const delivered = result.data;
  const sha256 = await digest.get();
  return uploadedResult({ id, uploadId: staged.id }, provider, fileOf(staged, sha256), delivered);
}

/**
 * The record id of one provider's result: the upload's own id when it goes to one provider; in a fan-out,
 * an id of each provider's own (so each record can be read and deleted alone), derived from the upload's id
 * and the provider so that a retry's result lands on the same record. A UUID in form (version 8: custom).
 */
export async function recordId(upload: string, provider: ProviderId, fanOut: boolean): Promise<string> {
  if (!fanOut) return upload;
  const hash = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`mediagate-record:${upload}:${provider}`)),
  ).subarray(0, 16);
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x80;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = toHex(hash);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Delivers to every provider in parallel; each gets its own result or problem. The staged bytes are hashed
 * at most once, beside the deliveries, and not at all when `staged.sha256` is known; `sha256` is the digest,
 * for the caller to keep (undefined only when it could not be computed).
 */
export async function deliver(
  env: Env,
  staged: StagedFile,
  providers: readonly ProviderId[],
  options: Options,
  instance: string,
  fanOut: boolean,
): Promise<{ deliveries: Delivery[]; sha256: string | undefined }> {
  // One SHA-256 for the fan-out, from the first delivery's read of the object (StagedDigest).
  const digest = new StagedDigest(env, staged);
  const deliveries = await Promise.all(
    providers.map(async (provider): Promise<Delivery> => {
      try {
        const id = await recordId(staged.id, provider, fanOut);
        return { provider, result: await deliverOne(env, staged, provider, options, digest, id) };
      } catch (error) {
        return { provider, error: asGatewayError(error).toProblem(instance) };
      }
    }),
  );
  return { deliveries, sha256: await digest.settled() };
}
