// Keeping an upload's original, and delivering a kept one to a provider (a copy, a refresh, or an upload
// that declares a digest whose original is kept): the same native R2 → provider delivery as a finished
// resumable upload (delivery/deliver.ts), after every check a direct upload passes. docs/reuse.md.
import type { components } from "../../../generated/gateway";
import type { Env } from "../../core/config";
import { GatewayError } from "../../core/errors";
import type { Options, ProviderId } from "../../providers/kit/capability";
import { capability } from "../../providers/table";
import { deliverOne } from "../delivery/deliver";
import { projectOf } from "../keys/project";
import { fileLimitOf } from "../keys/scope";
import { keptUntil } from "../originals/days";
import { fileInfoOf, findOriginal, keepOriginal, markOf, type Original } from "../originals/store";
import { underQuota } from "../quota/hold";
import { type StagedFile, stagedKey } from "../staging/staged";
import type { Surface } from "./advice";
import { applyPolicy, checkContentTypes, type UploadPolicy } from "./policy";
import { sizeLimit, tighter, validateFile, validateOptions } from "./validate";

type UploadResult = components["schemas"]["UploadResult"];

/** Whether an upload's staged object is a kept original (a resumable upload's alarm must then leave it). */
export { isKept } from "../originals/store";

/**
 * Days to keep an upload's original: what the upload (or its ticket) says, else the project's keep_days.
 * `ticket`: what a ticket fixes (null: it fixes nothing, the project's applies). An app holding a ticket may
 * repeat a fixed value, never choose its own: storage is the project's cost.
 */
export async function keepDaysFor(
  db: D1Database,
  owner: string | undefined,
  given: number | undefined,
  ticket?: number | null,
  /** The project's keep_days where it is known already (the caller's principal carries it). */
  known?: number,
): Promise<number> {
  if (owner === undefined) return 0;
  if (ticket !== undefined && given !== undefined && given !== ticket)
    throw new GatewayError(
      "invalid_field",
      ticket === null
        ? '"keep_days" is the project\'s for this upload URL; the backend that mints it may set it.'
        : `"keep_days" is fixed by this upload URL to ${ticket}.`,
      { extras: { field: "keep_days" } },
    );
  const days = ticket === undefined ? given : ticket;
  return days ?? known ?? (await projectOf(db, owner)).keep_days;
}

/** Keeps a staged upload's verified bytes as the owner's original of `sha256`, for `days`. */
export function keepStaged(
  env: Env,
  owner: string,
  upload: {
    readonly id: string;
    readonly sha256: string;
    readonly file: { name: string; size: number; mimeType: string; kind: Original["kind"] };
    readonly detected?: string | null | undefined;
  },
  days: number,
): Promise<Original> {
  const f = upload.file;
  return keepOriginal(
    env.DB,
    owner,
    {
      sha256: upload.sha256,
      upload_id: upload.id,
      name: f.name,
      size: f.size,
      mime_type: f.mimeType,
      kind: f.kind,
      detected_type: upload.detected ?? null,
    },
    keptUntil(days),
  );
}

/**
 * Who a kept original is delivered for (whose quotas and usage: underQuota's `who`), and how: the new
 * record's id, the options as given (validated here), where they were given, the gateway's origin, the name
 * the provider gets (the caller's, else the original's) and a ticket's policy.
 */
export type KeptDelivery = Parameters<typeof underQuota>[1] & {
  readonly id: string;
  readonly options: Options;
  readonly surface: Surface;
  readonly origin: string;
  readonly name?: string | undefined;
  readonly policy?: UploadPolicy | undefined;
};

/**
 * Delivers a kept original to `to.provider`: the options, name, type and size checked as a direct upload's
 * (and held to a ticket's policy), the quota held for its size, sniffed and sent natively from R2. The
 * answer says `source: "kept"`: the client sent no byte of it.
 */
export async function deliverKept(
  env: Env,
  to: KeptDelivery,
  original: Original,
): Promise<{ result: UploadResult; options: Options }> {
  const cap = capability(to.provider);
  const limit = tighter(sizeLimit(cap, to.policy?.maxBytes), fileLimitOf(to.principal));
  const options = validateOptions(cap, applyPolicy(to.options, to.policy), to.surface);
  const name = to.policy?.filename ?? to.name ?? original.name;
  const given = { filename: name, declaredType: original.mime_type, size: original.size, slack: 0 };
  const file = validateFile(cap, given, options, limit);
  if (to.policy) checkContentTypes(file, to.policy.contentTypes);
  const staged = {
    id: original.upload_id,
    file: { ...fileInfoOf(original), name, extension: file.extension, mimeType: file.mimeType },
    origin: to.origin,
    stagedAt: Date.now(),
    sha256: original.sha256,
  };
  const send = async () => {
    const result = await deliverOne(env, staged, to.provider, options, undefined, to.id);
    // A provider that took the bytes holds its own copy: this record is its own upload. One handed a URL
    // reads the original's object, which its upload_id names (so deleting the record leaves it in use).
    const own = result.status === "uploaded" ? { ...result, upload_id: to.id } : result;
    return { ...own, original: markOf(original), source: "kept" as const };
  };
  return { result: await underQuota(env, to, original.size, send), options };
}

/**
 * The owner's kept original of a declared digest, if it can stand for this upload's body: its size within
 * what the request declares (a multipart body's file is known to within its slack).
 */
export async function keptFor(
  db: D1Database,
  owner: string,
  sha256: string,
  body: { readonly size: number; readonly slack: number },
): Promise<Original | null> {
  const original = await findOriginal(db, owner, sha256);
  if (!original || original.size > body.size || original.size < body.size - body.slack) return null;
  return original;
}

/**
 * A direct upload kept: its staged object (uploads/<id>, its digest verified as it arrived) becomes the
 * owner's original, then goes to the provider natively. When the owner already kept this content, that
 * original stays and the duplicate object goes (unless the result hands it out as a URL).
 */
export async function deliverStagedKept(
  env: Env,
  owner: string,
  staged: StagedFile & { readonly sha256: string },
  provider: ProviderId,
  options: Options,
  days: number,
): Promise<UploadResult> {
  const original = await keepStaged(env, owner, staged, days);
  const result = await deliverOne(env, staged, provider, options);
  if (original.upload_id !== staged.id && result.status !== "staged")
    await env.STAGING.delete(stagedKey(staged.id));
  return { ...result, original: markOf(original) };
}
