// Importing a file from a URL: the source is fetched (guarded, source.ts) and its body goes down the upload
// path as it arrives. A source that declares its length is a raw upload of that length: receive() gets it as
// one (every check, sniffing, WaveSpeed's staging, the result) with the body held to that length. A source
// that does not is staged in R2 first (staging/rechunk.ts, bounded by the limit as it arrives) and delivered
// from there as a finished resumable upload is (delivery/deliver.ts). Options and the name are checked before
// the first byte goes anywhere.
import type { components } from "../../../generated/gateway";
import { allowPrivateNetwork, type Env, importTimeoutMs, publicOrigin } from "../../core/config";
import { GatewayError, type SizeLimit, tooLarge } from "../../core/errors";
import { baseName, essence, extensionOf } from "../../core/media";
import { sniff } from "../../core/sniff";
import type { ProviderConfig } from "../../providers/config";
import type { Options, ProviderId } from "../../providers/kit/capability";
import { optionsIn } from "../../providers/kit/capability";
import { capability, resumableLimit } from "../../providers/table";
import { deliverOne } from "../delivery/deliver";
import { fileLimitOf, type Principal } from "../keys/scope";
import { markOf } from "../originals/store";
import { underQuota } from "../quota/hold";
import { recordQuietly } from "../registry/files";
import { append, discard, newStaging, type StagingState } from "../staging/rechunk";
import { type StagedFile, stagedKey } from "../staging/staged";
import { ingest, type UploadResult } from "../upload/ingest";
import { keepDaysFor, keepStaged } from "../upload/kept";
import { sizeLimit, tighter, validateName, validateOptions } from "../upload/validate";
import { fetchSource, hold, type Source } from "./source";

type ImportRequest = components["schemas"]["ImportRequest"];

export interface ImportTarget {
  readonly id: string;
  readonly provider: ProviderId;
  readonly config: ProviderConfig;
  /** The file registry's owner (receive() records under it; the staged path below too). */
  readonly owner: string | undefined;
  /** Whose quotas and usage the import counts against. */
  readonly principal?: Principal;
  /** Work that may finish after the answer (ExecutionContext.waitUntil): a quota's settlement. */
  readonly defer?: (work: Promise<unknown>) => void;
  /** The answer's headers, which the import may add to (the quotas' RateLimit fields). */
  readonly answer?: Headers;
  /** The request's id, for the log lines of what fails quietly. */
  readonly requestId?: string;
}

/** Records a result the staged path produced (ingest records its own), and counts it as an import. */
async function registered(env: Env, target: ImportTarget, options: Options, result: UploadResult) {
  if (target.owner === undefined) return result;
  const account = target.principal;
  const tally = { uploads: 1, bytes: result.file.size, imports: 1 };
  const usage = account ? { account, tally } : undefined;
  await recordQuietly(env, target.owner, result, options, usage, target.requestId);
  return result;
}

/** The bound on an import: the provider's limit, else what a resumable upload to it may be. */
function importLimit(provider: ProviderId): SizeLimit {
  const cap = capability(provider);
  return (
    sizeLimit(cap) ?? {
      bytes: resumableLimit(cap),
      detail: `${cap.name} takes imports up to ${resumableLimit(cap)} bytes`,
    }
  );
}

/** The filename in a Content-Disposition header: filename* (RFC 5987, UTF-8) first, then filename. */
export function dispositionName(header: string | null): string | undefined {
  if (!header) return undefined;
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  if (star?.[1]) {
    try {
      return baseName(decodeURIComponent(star[1].trim())) || undefined;
    } catch {}
  }
  const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/i.exec(header);
  const name = plain?.[1]?.replace(/\\(.)/g, "$1") ?? plain?.[2];
  return name ? baseName(name) || undefined : undefined;
}

/** The URL path's last segment, decoded. */
function lastSegment(url: URL): string | undefined {
  const segment = url.pathname.split("/").pop() ?? "";
  try {
    return decodeURIComponent(segment) || undefined;
  } catch {
    return segment || undefined;
  }
}

export async function importFile(
  request: Request,
  env: Env,
  target: ImportTarget,
  body: ImportRequest,
): Promise<UploadResult> {
  const cap = capability(target.provider);
  // Before the source is fetched: the options, and the name when the caller gives it.
  const options = validateOptions(cap, optionsIn(body), "json");
  const named = body.filename === undefined ? undefined : baseName(body.filename) || undefined;
  if (named !== undefined) validateName(cap, named, undefined, options);
  const known = target.principal?.projectKeepDays;
  const keepDays = await keepDaysFor(env.DB, target.owner, body.keep_days, undefined, known);
  const origin = publicOrigin(request, env);
  const idleMs = importTimeoutMs(env);
  const source = await fetchSource(body.url, { allowPrivate: allowPrivateNetwork(env), timeoutMs: idleMs });
  const sourceUrl = new URL(body.url).href;
  try {
    const filename =
      named ?? dispositionName(source.response.headers.get("content-disposition")) ?? lastSegment(source.url);
    if (!filename)
      throw new GatewayError("filename_missing", "Name the file: the source's URL and headers give no name.");
    const declared = essence(source.response.headers.get("content-type"));
    const type = validateName(cap, filename, declared, options);
    const limit = tighter(importLimit(target.provider), fileLimitOf(target.principal)) as SizeLimit;
    if (source.length === 0) throw new GatewayError("no_file_uploaded", "The source's body is empty.");
    if (source.length !== undefined && source.length > limit.bytes) throw tooLarge(limit, source.length);
    const result =
      source.length !== undefined
        ? await asUpload(target, env, origin, {
            source,
            filename,
            type: type.mimeType,
            options,
            limit,
            idleMs,
            keepDays,
          })
        : await registered(
            env,
            target,
            options,
            // The most it may send is reserved against the key's quotas; ingest holds a known length itself.
            await underQuota(env, target, limit.bytes, () =>
              staged(env, target, { source, filename, type, options, limit, idleMs, origin, keepDays }),
            ),
          );
    return { ...result, source_url: sourceUrl };
  } catch (error) {
    await source.body.cancel(error).catch(() => {});
    throw error;
  }
}

interface Known {
  readonly source: Source;
  readonly filename: string;
  readonly type: string;
  readonly options: Options;
  readonly limit: SizeLimit;
  readonly idleMs: number;
  /** Days to keep the original (resolved: the request's keep_days, else the project's). */
  readonly keepDays: number;
}

/**
 * A source of known length goes the way every upload goes (ingest): its body held to that length and to the
 * source's own idle timeout (source_timeout, hold()). The request-size setting bounds bodies arriving at
 * the edge, not imports (their bound is the provider's).
 */
async function asUpload(target: ImportTarget, env: Env, origin: string, k: Known): Promise<UploadResult> {
  const length = k.source.length ?? 0;
  return ingest(
    env,
    { ...target, via: "import" },
    {
      stream: hold(k.source.body, { length, limit: k.limit, idleMs: k.idleMs }),
      filename: k.filename,
      declaredType: k.type,
      size: length,
      slack: 0,
      options: k.options,
      dedupe: false,
      keepDays: k.keepDays,
      surface: "json",
      origin,
    },
  );
}

/**
 * A source of unknown length: sniffed, then staged in R2 as it arrives (bounded by the limit), then
 * delivered from the staged copy, or handed over as its signed URL where the provider takes one (WaveSpeed
 * over 300 MiB). The staged copy is deleted once delivered, and whenever anything fails.
 */
async function staged(
  env: Env,
  target: ImportTarget,
  k: Omit<Known, "type"> & { type: ReturnType<typeof validateName>; origin: string },
): Promise<UploadResult> {
  const held = hold(k.source.body, { limit: k.limit, idleMs: k.idleMs });
  // Refused before a byte is staged when the first bytes contradict the type.
  const { reader } = await sniff(held, k.type);
  const key = stagedKey(target.id);
  let last: StagingState = newStaging(key, k.limit.bytes);
  try {
    last = await append(env.STAGING, last, reader, {
      declared: k.limit.bytes,
      open: true,
      contentType: k.type.mimeType,
      commit: async (state) => {
        last = state;
      },
    });
  } catch (error) {
    await discard(env.STAGING, last).catch(() => {});
    throw error;
  }
  const size = last.offset;
  if (size === 0) {
    await discard(env.STAGING, last).catch(() => {});
    throw new GatewayError("no_file_uploaded", "The source's body is empty.");
  }
  const file: StagedFile = {
    id: target.id,
    file: {
      name: k.filename,
      extension: extensionOf(k.filename),
      mimeType: k.type.mimeType,
      kind: k.type.kind,
      size,
    },
    origin: k.origin,
    stagedAt: Date.now(),
  };
  try {
    const result = await deliverOne(env, file, target.provider, k.options);
    // Kept: the staged copy (hashed on its way to the provider) becomes the original (docs/reuse.md).
    const keep = target.owner !== undefined && k.keepDays > 0 ? target.owner : undefined;
    const original =
      keep === undefined
        ? undefined
        : await keepStaged(env, keep, { ...file, sha256: result.file.sha256 }, k.keepDays);
    // The copy stays while it is the original, or the provider was handed its URL.
    if (original?.upload_id !== target.id && result.status !== "staged") await env.STAGING.delete(key);
    return original ? { ...result, original: markOf(original) } : result;
  } catch (error) {
    await env.STAGING.delete(key).catch(() => {});
    throw error;
  }
}
