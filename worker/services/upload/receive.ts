// Receiving one upload: the path shared by direct uploads (gateway key) and signed upload URLs (a token's
// policy). Everything checkable is checked before the first byte is forwarded.
import type { components } from "../../../generated/gateway";
import { watchArrivals } from "../../core/arrivals";
import { stopReading } from "../../core/bytes";
import { type Env, idleTimeoutMs, maxRequestBytes, providerTimeoutMs, publicOrigin } from "../../core/config";
import { bodyError, GatewayError } from "../../core/errors";
import { sniff } from "../../core/sniff";
import type { ProviderConfig } from "../../providers/config";
import type { ProviderId } from "../../providers/kit/capability";
import { capability, resumableLimit } from "../../providers/registry";
import { asResult, findLive, recordResult } from "../registry/files";
import { stageDirect, takesUrl } from "../staging/staged";
import { oneDigest, verifyDigest } from "./digest";
import { forward } from "./forward";
import { readIntake } from "./intake";
import { meter, type Watch } from "./meter";
import { admits, applyPolicy, checkContentTypes, type UploadPolicy } from "./policy";
import { type Options, sizeLimit, tooLarge, validateFile, validateOptions } from "./validate";

export type UploadResult = components["schemas"]["UploadResult"];
/** 200 when deduplicated (an earlier upload's result, no byte forwarded), 201 otherwise. */
export const statusOf = (result: UploadResult) => (result.deduplicated ? 200 : 201);

export interface ReceiveRequest {
  readonly id: string;
  readonly provider: ProviderId;
  readonly config: ProviderConfig;
  readonly policy?: UploadPolicy;
  /** Progress and cancellation of the incoming body (a signed upload's claim); the idle timeout is added here. */
  readonly watch?: Watch;
  /**
   * The body is a source the caller already holds to its own idle timeout (an import's: source_timeout), so
   * IDLE_TIMEOUT_MS does not apply to it.
   */
  readonly heldUpstream?: boolean;
  /**
   * The registry owner (gateway key fingerprint): the result is recorded under it, and dedupe looks there.
   * None (a ticket minted before the registry): neither.
   */
  readonly owner: string | undefined;
}

/**
 * Sniffs an incoming file (core/sniff.ts): a contradiction is content_mismatch and the body is cancelled; a
 * body that breaks or stalls before its first bytes is the client's problem, as it would be while forwarding.
 */
export async function sniffUpload(
  source: ReadableStream<Uint8Array>,
  file: { extension: string; mimeType: string },
): Promise<{ stream: ReadableStream<Uint8Array>; detected: string | null }> {
  try {
    // The upload path's stages take each chunk before asking for the next (core/bytes.ts, recycle).
    return await sniff(source, file, { recycle: true });
  } catch (error) {
    throw bodyError(error);
  }
}

export async function receive(request: Request, env: Env, req: ReceiveRequest): Promise<UploadResult> {
  const cap = capability(req.provider);
  const policy = req.policy;
  // Checked before a byte is read: a staged file's signed URL starts with it.
  const origin = publicOrigin(request, env);
  if (!req.heldUpstream) {
    // Every reader of the body (multipart head, digest, sniffing, the file) is held to "no byte for
    // IDLE_TIMEOUT_MS", each arrival counting, and reports arrivals (a signed upload's claim renewal).
    const idleMs = idleTimeoutMs(env);
    let arrived = 0;
    watchArrivals(request.body, {
      idleMs,
      stalled: () =>
        new GatewayError("upload_stalled", `No bytes arrived for ${idleMs} ms; the upload was cut.`),
      onBytes: (bytes) => {
        arrived += bytes;
        req.watch?.onProgress?.(arrived);
      },
    });
  }
  const intake = await readIntake(request, {
    provider: cap,
    maxRequestBytes: maxRequestBytes(env),
    ...(policy ? { maxFileBytes: policy.maxBytes, filename: policy.filename } : {}),
  });
  // Checked against the declared length before a byte is forwarded, and held on the bytes counted.
  const limit = sizeLimit(cap, policy?.maxBytes);
  let checked: { options: Options; file: ReturnType<typeof validateFile> };
  let declared: string | undefined;
  try {
    const options = validateOptions(cap, applyPolicy(intake.options, policy), intake.form);
    const file = validateFile(cap, intake, options, limit);
    if (policy) checkContentTypes(file, policy.contentTypes);
    checked = { options, file };
    declared = oneDigest(intake.sha256, policy?.sha256);
  } catch (error) {
    // Refused before a byte was forwarded: stop reading the body.
    await intake.stream.cancel(error).catch(() => {});
    throw error;
  }
  const owner = req.owner;
  const record = async (result: UploadResult) => {
    if (owner === undefined) return result;
    // The provider has the file: a registry failure is logged, never turned into a failed upload.
    await recordResult(env.DB, owner, result, checked.options).catch((error) =>
      console.error("registry: could not record", result.id, error),
    );
    return result;
  };
  // The registry is looked up by a digest the caller may use: with a gateway key, the one it declares; with
  // a ticket, only the one the ticket binds (the app's backend chose it), never the app's own: a phone
  // must not learn what else its app holds by naming digests.
  const lookup = policy ? policy.sha256 : declared;
  if (lookup !== undefined && intake.dedupe && owner !== undefined) {
    const live = await findLive(env.DB, owner, req.provider, lookup, checked.options);
    // A ticket is answered with an existing record only if that record is what the ticket would have taken.
    if (live && (!policy || admits(policy, live))) {
      // The client may still be sending the file it need not have: instead of cutting the connection under
      // it (a browser would see a network error, not this answer), the answer waits while the rest of the
      // body is read and dropped, within the lingering close's bounds (http/linger.ts).
      await stopReading(intake.stream);
      if (!policy) return { ...asResult(live), deduplicated: true };
      // A ticket's upload is a record of its own (its id, as its status and callback report it), naming the
      // upload whose file it reuses (upload_id): deleting it leaves the provider's copy, and a staged copy,
      // to the other records (registry/remove.ts).
      const own = { ...asResult(live), id: req.id };
      await record(own);
      return { ...own, deduplicated: true };
    }
  }
  // A declared digest holds the file's last bytes back until it matches (./digest.ts).
  const verified = declared === undefined ? intake.stream : verifyDigest(intake.stream, declared);
  const watch: Watch = { ...req.watch };
  // The file's first bytes against what it was validated as, before a byte is forwarded or staged (and
  // after every check the declared length allows, which must not wait for the body).
  const sniffed = () => sniffUpload(verified, checked.file);
  if (takesUrl(req.provider, checked.file.size - checked.file.slack)) {
    // An R2 object needs its exact size: commit to the CRLF-terminated reading, as a raw upstream does.
    const exact = checked.file.size - checked.file.slack;
    // A staged file is held to what a resumable upload may be (within R2's single-put ceiling), before a
    // byte is read: a declared length R2 cannot store must be the client's 413, not R2's error.
    const staging = {
      bytes: resumableLimit(cap),
      detail: `${cap.name} takes files up to ${resumableLimit(cap)} bytes`,
    };
    const stagedLimit = limit && limit.bytes < staging.bytes ? limit : staging;
    if (exact > stagedLimit.bytes) {
      const error = tooLarge(stagedLimit, exact);
      await verified.cancel(error).catch(() => {});
      throw error;
    }
    const { stream, detected } = await sniffed();
    const metered = meter(stream, { min: exact, max: exact, limit: stagedLimit }, watch);
    const file = { ...checked.file, size: exact };
    const staged = { id: req.id, file, origin, stagedAt: Date.now(), detected };
    try {
      return await record(await stageDirect(env, staged, req.provider, metered.stream, metered.sha256));
    } catch (error) {
      const broken = metered.failure();
      throw broken !== undefined ? bodyError(broken) : error;
    }
  }
  const { stream, detected } = await sniffed();
  const { delivered, sha256, size } = await forward({
    provider: req.provider,
    config: req.config,
    file: checked.file,
    options: checked.options,
    stream,
    ...(limit ? { limit } : {}),
    timeoutMs: providerTimeoutMs(env),
    watch,
    fetch: (input, init) => fetch(input, init),
  });
  return record({
    id: req.id,
    upload_id: req.id,
    provider: req.provider,
    status: "uploaded",
    file: {
      name: checked.file.name,
      size,
      mime_type: checked.file.mimeType,
      kind: checked.file.kind,
      sha256,
      detected_type: detected,
    },
    provider_file_id: delivered.providerFileId,
    url: delivered.url,
    reference: delivered.reference,
    expires_at:
      cap.retentionSeconds === null ? null : new Date(Date.now() + cap.retentionSeconds * 1000).toISOString(),
    provider_response: delivered.response,
  });
}
