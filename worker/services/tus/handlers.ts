// tus HEAD, PATCH and DELETE of one upload (https://tus.io/protocols/resumable-upload), over a small store:
// the upload's Durable Object provides it (sessions/session.ts), tests can provide another. Creation is in
// the Worker (http/routes/tus.ts), where everything checkable is checked before a byte is stored.
import { GatewayError, isGatewayError, renderProblem, tooLarge } from "../../core/errors";
import type { ProviderId } from "../../providers/kit/capability";
import type { Refusal, Stored, UploadRecord } from "../records/record";
import { ended, lengthKnown, progress, stagedInUse, terminated, tusWritable } from "../records/tus";
import { append, discard } from "../staging/rechunk";
import { stagedKey } from "../staging/staged";
import { intHeader, LENGTH_DECLARED, parseChecksum, tusHeaders } from "./protocol";

export interface TusStore {
  readonly bucket: R2Bucket;
  load(): Promise<Stored | undefined>;
  /** Applies a step to the record as stored now (reloaded), saves and returns it. */
  update(step: (stored: Stored, now: number) => Stored): Promise<Stored>;
  /** The single-writer rule: false when another PATCH or a delivery holds the upload. */
  lock(): boolean;
  unlock(): void;
  /** Delivers the staged file to `providers` and records the outcome. */
  deliver(providers: readonly ProviderId[], instance: string): Promise<UploadRecord>;
}

const REFUSED: Record<Refusal, () => GatewayError> = {
  unknown: () => new GatewayError("not_found", "No such upload."),
  gone: () => new GatewayError("upload_gone", "This upload was terminated or has expired."),
  complete: () =>
    new GatewayError("upload_complete", "This upload has all its bytes; it can no longer be changed."),
  expired: () => new GatewayError("upload_gone", "This upload has expired."),
  used: () => new GatewayError("upload_complete", "This upload has finished."),
  in_use: () => new GatewayError("upload_locked", "Another request is writing to this upload."),
  // Only a signed URL's claim runs out of attempts (sessions/claim.ts claimRefused); never a tus step.
  exhausted: () => new GatewayError("upload_complete", "This upload has finished."),
};

export const refusal = (reason: Refusal) => REFUSED[reason]();

/** One tus request; a problem it answers itself (a failed delivery) carries `requestId`. */
export async function tusRequest(
  request: Request,
  store: TusStore,
  instance: string,
  requestId?: string,
): Promise<Response> {
  const stored = await store.load();
  const now = Date.now();
  if (request.method === "HEAD") {
    const why = tusWritable(stored, now);
    if (why === "unknown" || why === "gone") throw refusal(why);
    return head(stored as Stored & { tus: NonNullable<Stored["tus"]> });
  }
  const why = tusWritable(stored, now);
  // Termination covers finished uploads too, and a PATCH of nothing at a finished upload's end changes
  // nothing (tus 1.0.0 "Termination", "PATCH"): both are answered below, under the lock.
  const finishedOk = why === "complete" && (request.method === "DELETE" || emptyAtEnd(request, stored));
  if (why && !finishedOk) throw refusal(why);
  if (request.method === "DELETE") return terminate(store);
  if (request.method === "PATCH") return patch(request, store, instance, requestId);
  throw new GatewayError("method_not_allowed", `${request.method} is not a tus method here.`);
}

const EMPTY = () => new ReadableStream<Uint8Array>({ start: (c) => c.close() });

/**
 * creation-defer-length: the PATCH that declares Upload-Length fixes it (once: then it must repeat the
 * same), within the bound the upload was held to; the upload as it is then, or undefined when this PATCH
 * declared nothing new. A deferred upload's bytes may not reach the bound undeclared.
 */
async function declareLength(
  request: Request,
  store: TusStore,
  tus: NonNullable<Stored["tus"]>,
  declared: number,
): Promise<NonNullable<Stored["tus"]> | undefined> {
  const given = intHeader(request.headers, "upload-length");
  const { offset, length } = tus.staging;
  if (given === undefined) {
    if (tus.deferred && offset + declared >= length) {
      const detail = `This upload takes up to ${length - 1} bytes before it declares its Upload-Length`;
      throw tooLarge({ bytes: length - 1, detail }, offset + declared);
    }
    return undefined;
  }
  if (!tus.deferred) {
    if (given === length) return undefined;
    throw new GatewayError("invalid_field", `This upload's Upload-Length is ${length}; it can't change.`);
  }
  if (given > length)
    throw tooLarge({ bytes: length, detail: `This upload takes up to ${length} bytes` }, given);
  if (given === 0) throw new GatewayError("no_file_uploaded", "The upload is empty.");
  if (given < offset + declared) {
    const detail = `Upload-Length ${given} is less than the ${offset + declared} bytes this upload would hold.`;
    throw new GatewayError("invalid_field", detail);
  }
  return (await store.update((s) => lengthKnown(s, given))).tus;
}

/** The tus URL path of an upload whose staged object is `key` (a final upload names its partials by it). */
const uploadPath = (key: string) => `/v1/tus/${key.slice(stagedKey("").length)}`;

/** A PATCH of no bytes at the upload's final offset. */
function emptyAtEnd(request: Request, stored: Stored | undefined): boolean {
  const staging = stored?.tus?.staging;
  return (
    staging !== undefined &&
    intHeader(request.headers, "content-length") === 0 &&
    intHeader(request.headers, "upload-offset") === staging.length
  );
}

function head(stored: Stored & { tus: NonNullable<Stored["tus"]> }): Response {
  const { metadata, partial, staging } = stored.tus;
  const concat = partial
    ? "partial"
    : staging.concat && `final;${staging.concat.map((p) => uploadPath(p.key)).join(" ")}`;
  return new Response(null, {
    headers: tusHeaders({
      ...(concat ? { "upload-concat": concat } : {}),
      "upload-offset": String(stored.tus.staging.offset),
      ...(stored.tus.deferred
        ? { "upload-defer-length": "1" }
        : { "upload-length": String(stored.tus.staging.length) }),
      "upload-expires": new Date(stored.tus.expiresAt).toUTCString(),
      // As the client gave it at creation (tus 1.0.0 "Upload-Metadata": HEAD MUST include it).
      ...(metadata ? { "upload-metadata": metadata } : {}),
      "cache-control": "no-store",
    }),
  });
}

async function terminate(store: TusStore): Promise<Response> {
  if (!store.lock())
    throw new GatewayError("upload_locked", "A PATCH is in progress; try again when it ends.");
  try {
    const stored = await store.load();
    const why = tusWritable(stored, Date.now());
    if (why === "complete" && stored?.tus) return end(store, stored, stored.tus);
    if (why || !stored?.tus) throw refusal(why ?? "unknown");
    await discard(store.bucket, stored.tus.staging);
    const gone = new GatewayError("upload_gone", "The upload was terminated by the client.").toProblem();
    await store.update((s, now) => terminated(s, now, gone));
    return new Response(null, { status: 204, headers: tusHeaders() });
  } finally {
    store.unlock();
  }
}

/**
 * DELETE of an upload whose bytes have all arrived: the tus resource ends (HEAD and PATCH then answer 410),
 * its outcome stays readable, and the staged copy goes unless a provider's result points to it (a signed URL
 * WaveSpeed fetches from) or it was asked to be kept as the original (docs/reuse.md): then its alarm decides
 * when it goes (that retention's end; an original that was kept stays for the originals' sweep).
 */
async function end(store: TusStore, stored: Stored, tus: NonNullable<Stored["tus"]>): Promise<Response> {
  const kept = stagedInUse(stored) || Boolean(tus.keepDays);
  if (!kept) await discard(store.bucket, tus.staging);
  await store.update((s) => ended(s, kept));
  return new Response(null, { status: 204, headers: tusHeaders() });
}

async function patch(
  request: Request,
  store: TusStore,
  instance: string,
  requestId: string | undefined,
): Promise<Response> {
  if (!store.lock()) throw new GatewayError("upload_locked", "Another PATCH is writing to this upload.");
  try {
    // Reloaded under the lock: what another request did before it is seen.
    const stored = await store.load();
    const why = tusWritable(stored, Date.now());
    if (why === "complete" && stored?.tus && emptyAtEnd(request, stored)) {
      return new Response(null, {
        status: 204,
        headers: tusHeaders({ "upload-offset": String(stored.tus.staging.offset) }),
      });
    }
    if (why || !stored?.tus) throw refusal(why ?? "unknown");
    let tus = stored.tus;
    const offset = intHeader(request.headers, "upload-offset");
    if (offset !== tus.staging.offset) {
      throw new GatewayError(
        "upload_offset_mismatch",
        `The upload is at offset ${tus.staging.offset}, not ${offset ?? "(none)"}.`,
      );
    }
    const declared = intHeader(request.headers, "content-length") ?? 0;
    const checksum = parseChecksum(request.headers.get("upload-checksum"));
    const known = await declareLength(request, store, tus, declared);
    if (known) tus = known;
    // A length declared here is counted against quotas by the Worker, whatever becomes of the bytes.
    const declaredNow: Record<string, string> = known
      ? { [LENGTH_DECLARED]: String(known.staging.length) }
      : {};
    let staging = tus.staging;
    try {
      if ((declared > 0 && request.body) || known) {
        staging = await append(store.bucket, tus.staging, request.body ?? EMPTY(), {
          declared,
          ...(checksum ? { checksum } : {}),
          contentType: tus.file.mimeType,
          commit: async (next) => {
            await store.update((s, now) => progress(s, now, next));
          },
        });
      }
    } catch (error) {
      if (known && isGatewayError(error)) Object.assign(error.headers, declaredNow);
      throw error;
    }
    if (staging.complete && !tus.partial) {
      // Answer only after delivery, so a client's onSuccess means the providers have the file.
      const record = await store.deliver(tus.providers, instance);
      const failed = record.deliveries?.find((d) => d.error)?.error;
      if (failed && tus.providers.length === 1) {
        const headers = tusHeaders({ ...declaredNow, "upload-offset": String(staging.offset) });
        return renderProblem(failed, headers, requestId);
      }
    }
    return new Response(null, {
      status: 204,
      headers: tusHeaders({
        ...declaredNow,
        "upload-offset": String(staging.offset),
        "upload-expires": new Date(tus.expiresAt).toUTCString(),
      }),
    });
  } finally {
    store.unlock();
  }
}
