// The upload pipeline after the request: a file stream with its facts (name, declared type and length,
// options, a declared digest) through validation, policy, dedupe, digest verification, sniffing, and then
// to the provider (or into R2 where it takes a URL), recorded in the registry. A direct or ticket upload
// reaches it from its request (./receive.ts), a URL import from its source (services/import): one path,
// no request built for it.
import type { components } from "../../../generated/gateway";
import { stopReading } from "../../core/body";
import type { ChunkReader } from "../../core/bytes";
import { type Env, providerTimeoutMs } from "../../core/config";
import { bodyError, tooLarge } from "../../core/errors";
import { sniff } from "../../core/sniff";
import type { ChunkSource } from "../../core/stages";
import type { ProviderConfig } from "../../providers/config";
import { answerCapped } from "../../providers/kit/answer";
import type { Options, ProviderId } from "../../providers/kit/capability";
import { capability, resumableLimit } from "../../providers/table";
import { fileLimitOf, type Principal } from "../keys/scope";
import { underQuota } from "../quota/hold";
import { asResult, findLive, recordQuietly } from "../registry/files";
import { stageDirect, takesUrl, uploadedResult } from "../staging/staged";
import { type Tally, tallyQuietly } from "../usage/usage";
import type { Surface } from "./advice";
import { oneDigest, verifyDigest } from "./digest";
import { forward } from "./forward";
import { deliverKept, deliverStagedKept, keepDaysFor, keptFor } from "./kept";
import { meter, type Watch } from "./meter";
import { admits, applyPolicy, checkContentTypes, type UploadPolicy } from "./policy";
import { sizeLimit, tighter, validateFile, validateOptions } from "./validate";

export type UploadResult = components["schemas"]["UploadResult"];
/** 200 when deduplicated (an earlier upload's result, no byte forwarded), 201 otherwise. */
export const httpStatusOf = (result: UploadResult) => (result.deduplicated ? 200 : 201);

export interface ReceiveRequest {
  readonly id: string;
  readonly provider: ProviderId;
  readonly config: ProviderConfig;
  readonly policy?: UploadPolicy;
  /** Progress and cancellation of the incoming body (a signed upload's claim; receive() reports arrivals). */
  readonly watch?: Watch;
  /**
   * The registry owner (gateway key fingerprint): the result is recorded under it, and dedupe looks there.
   * None (a ticket minted before the registry): neither.
   */
  readonly owner: string | undefined;
  /**
   * Whose quotas and usage the upload counts against: the key's (a ticket's, its minting key's). None
   * (a ticket minted before keys had scopes): no quota, no usage row.
   */
  readonly principal?: Principal | undefined;
  /** An import from a URL (counted apart in usage). */
  readonly via?: "import";
  /** Work that may finish after the answer (ExecutionContext.waitUntil): a quota's settlement. */
  readonly defer?: (work: Promise<unknown>) => void;
  /** The answer's headers, which the pipeline may add to (the quotas' RateLimit fields). */
  readonly answer?: Headers;
  /** The request's id (core/request-id.ts), for the log lines of what fails quietly. */
  readonly requestId?: string;
  /** Told the running count of the request body's bytes as they arrive (the access line's bytes). */
  readonly onArrival?: (received: number) => void;
}

/**
 * Sniffs an incoming file (core/sniff.ts): a contradiction is content_mismatch and the body is cancelled; a
 * body that breaks or stalls before its first bytes is the client's problem, as it would be while forwarding.
 */
async function sniffUpload(
  source: ChunkSource,
  file: { extension: string; mimeType: string },
): Promise<{ reader: ChunkReader; detected: string | null }> {
  try {
    // The upload path's stages take each chunk before asking for the next (core/bytes.ts, recycle).
    return await sniff(source, file, { recycle: true });
  } catch (error) {
    throw bodyError(error);
  }
}

/** A file to ingest: its bytes and what the caller said of them. */
export interface IngestInput {
  /** The file's bytes only (a raw body, a multipart body's file part, a held import source). */
  readonly stream: ChunkSource;
  readonly filename: string;
  readonly declaredType: string | undefined;
  /** File bytes, at most; `slack` fewer at least (a multipart epilogue: intake.ts). */
  readonly size: number;
  readonly slack: number;
  /** Options as given (validated here against the provider and the policy). */
  readonly options: Options;
  /** A declared SHA-256 (hex): verified before the last bytes go, and the dedupe key with a gateway key. */
  readonly sha256?: string | undefined;
  /** Whether a registry hit (or a kept original of the declared digest) may answer instead of the upload. */
  readonly dedupe: boolean;
  /** Days to keep the original (keep_days); none given: the ticket's, else the project's (docs/reuse.md). */
  readonly keepDays?: number | undefined;
  /** Where the caller set its options (advice names that place). */
  readonly surface: Surface;
  /** The gateway's public origin (a staged file's signed URL starts with it). */
  readonly origin: string;
}

export async function ingest(env: Env, req: ReceiveRequest, input: IngestInput): Promise<UploadResult> {
  const cap = capability(req.provider);
  const policy = req.policy;
  // Checked against the declared length before a byte is forwarded, and held on the bytes counted.
  const limit = tighter(sizeLimit(cap, policy?.maxBytes), fileLimitOf(req.principal));
  let checked: { options: Options; file: ReturnType<typeof validateFile> };
  let declared: string | undefined;
  let keepDays = 0;
  try {
    const options = validateOptions(cap, applyPolicy(input.options, policy), input.surface);
    const file = validateFile(cap, input, options, limit);
    if (policy) checkContentTypes(file, policy.contentTypes);
    checked = { options, file };
    declared = oneDigest(input.sha256, policy?.sha256);
    keepDays = await keepDaysFor(
      env.DB,
      req.owner,
      input.keepDays,
      policy && (policy.keepDays ?? null),
      req.principal?.projectKeepDays,
    );
  } catch (error) {
    // Refused before a byte was forwarded: stop reading the body.
    await input.stream.cancel(error).catch(() => {});
    throw error;
  }
  const owner = req.owner;
  const account = req.principal;
  const imports = req.via === "import" ? 1 : 0;
  const record = async (result: UploadResult, tally: Tally) => {
    if (owner === undefined) return result;
    const usage = account ? { account, tally } : undefined;
    await recordQuietly(env, owner, result, checked.options, usage, req.requestId);
    return result;
  };
  const recordSent = (result: UploadResult) =>
    record(result, { uploads: 1, bytes: result.file.size, imports });
  // The registry is looked up by a digest the caller may use: with a gateway key, the one it declares; with
  // a ticket, only the one the ticket binds (the app's backend chose it), never the app's own: a phone
  // must not learn what else its app holds by naming digests.
  const lookup = policy ? policy.sha256 : declared;
  if (lookup !== undefined && input.dedupe && owner !== undefined) {
    const live = await findLive(env.DB, owner, req.provider, lookup, checked.options);
    // A ticket is answered with an existing record only if that record is what the ticket would have taken.
    if (live && (!policy || admits(policy, live))) {
      // The client may still be sending the file it need not have: instead of cutting the connection under
      // it (a browser would see a network error, not this answer), the answer waits while the rest of the
      // body is read and dropped, within the lingering close's bounds (http/linger.ts).
      await stopReading(input.stream);
      const saved = { deduplicated: 1, bytesSaved: live.file.size };
      if (!policy) {
        if (account) await tallyQuietly(env.DB, account, req.provider, saved, req.requestId);
        return { ...asResult(live), deduplicated: true };
      }
      // A ticket's upload is a record of its own (its id, as its status and callback report it), naming the
      // upload whose file it reuses (upload_id): deleting it leaves the provider's copy, and a staged copy,
      // to the other records (registry/remove.ts).
      const own = { ...asResult(live), id: req.id };
      await record(own, saved);
      return { ...own, deduplicated: true };
    }
    // No live copy at this provider, but the original is kept: delivered from R2, the body left unread.
    const kept = await keptFor(env.DB, owner, lookup, input);
    if (kept) {
      await stopReading(input.stream);
      return recordSent((await deliverKept(env, { ...req, ...input, name: input.filename }, kept)).result);
    }
  }
  const send = async (): Promise<UploadResult> => {
    // A declared digest holds the file's last bytes back until it matches (./digest.ts).
    const verified = declared === undefined ? input.stream : verifyDigest(input.stream, declared);
    const watch: Watch = { ...req.watch };
    // The file's first bytes against what it was validated as, before a byte is forwarded or staged (and
    // after every check the declared length allows, which must not wait for the body).
    const sniffed = () => sniffUpload(verified, checked.file);
    const keeping = owner !== undefined && keepDays > 0;
    if (keeping || takesUrl(req.provider, checked.file.size - checked.file.slack)) {
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
      const { reader, detected } = await sniffed();
      const metered = meter(reader, { min: exact, max: exact, limit: stagedLimit }, watch);
      const file = { ...checked.file, size: exact };
      const staged = { id: req.id, file, origin: input.origin, stagedAt: Date.now(), detected };
      try {
        const result = await stageDirect(env, staged, req.provider, metered.reader, metered.sha256);
        if (!keeping) return result;
        // Kept: the staged bytes (their digest computed as they arrived) become the original, and the
        // provider gets them natively from R2, as a finished resumable upload's (./kept.ts).
        const sha256 = result.file.sha256;
        return await deliverStagedKept(
          env,
          owner,
          { ...staged, sha256 },
          req.provider,
          checked.options,
          keepDays,
        );
      } catch (error) {
        const broken = metered.failure();
        throw broken !== undefined ? bodyError(broken) : error;
      }
    }
    const { reader, detected } = await sniffed();
    const { delivered, sha256, size } = await forward({
      provider: req.provider,
      config: req.config,
      file: checked.file,
      options: checked.options,
      stream: reader,
      ...(limit ? { limit } : {}),
      timeoutMs: providerTimeoutMs(env),
      watch,
      fetch: answerCapped(),
    });
    const f = checked.file;
    const file = { name: f.name, size, mime_type: f.mimeType, kind: f.kind, sha256, detected_type: detected };
    return uploadedResult({ id: req.id, uploadId: req.id }, req.provider, file, delivered);
  };

  // Quotas: the most this upload may send is reserved before a byte is forwarded or staged (a refusal
  // stops reading, as a validation refusal does), and settled with what the provider received.
  const stop = (error: unknown) => input.stream.cancel(error).catch(() => {});
  return recordSent(await underQuota(env, req, checked.file.size, send, stop));
}
