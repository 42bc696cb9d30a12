// One Durable Object per upload (signed URL or resumable): its state, strongly consistent. Each method runs
// to completion before the next event is delivered (storage input gates), so "exactly one upload claims
// the URL" holds without locks; a resumable upload's single writer is an in-memory flag, which a restart
// clears with the instance. One alarm serves both callback retries and cleanup of staged bytes.
import { DurableObject } from "cloudflare:workers";
import type { components } from "../../../generated/gateway";
import type { Env } from "../../core/config";
import { GatewayError, type Outcome, outcome, problemResponse } from "../../core/errors";
import { LIMITS } from "../../core/limits";
import type { ProviderId } from "../../providers/capability";
import { deliver, STAGED_RETENTION_MS, type StagedFile } from "../delivery/deliver";
import { intHeader, parseChecksum, TUS_VERSION, tusHeaders } from "../tus/protocol";
import { append, discard, type StagingState } from "../tus/staging";
import type { Options, ValidatedFile } from "../upload/validate";
import { deliverCallback } from "./callback";
import { CLOCK_SKEW_SECONDS } from "./token";

export type UploadStatus = components["schemas"]["UploadStatus"]["status"];
export type UploadRecord = components["schemas"]["UploadStatus"];

/** A resumable upload's own state. */
export interface TusUpload {
  staging: StagingState;
  file: Omit<ValidatedFile, "slack">;
  providers: ProviderId[];
  options: Options;
  /** Unix ms: an unfinished upload is discarded after this (Upload-Expires). */
  expiresAt: number;
  /** The gateway's public origin, for signed URLs in results. */
  origin: string;
  /** Unix ms the last byte arrived; the staged file is deleted STAGED_RETENTION_MS later. */
  stagedAt?: number;
  terminated?: boolean;
}

interface Stored {
  record: UploadRecord;
  callback_url: string | null;
  callback: { attempts: number; delivered: boolean; last_error: string | null; next_at: number | null };
  tus?: TusUpload;
}

export type Claim = { ok: true } | { ok: false; reason: "used" | "in_use" | "expired" | "unknown" };

/** The upload's Durable Object. */
export const uploadSession = (env: Env, id: string) => {
  const namespace = env.UPLOADS as unknown as DurableObjectNamespace<UploadSession>;
  return namespace.get(namespace.idFromName(id));
};

/** Why a URL could not be claimed, as the problem the app gets. */
export function claimRefused(reason: Exclude<Claim, { ok: true }>["reason"]): GatewayError {
  if (reason === "expired") return new GatewayError("token_expired", "This upload URL has expired.");
  if (reason === "unknown") return new GatewayError("invalid_token", "This upload URL is not valid.");
  return new GatewayError(
    "token_used",
    reason === "used" ? "This upload URL has already been used." : "An upload to this URL is in progress.",
  );
}

/** Callback attempts before giving up: about 4 hours of backoff in all. */
export const CALLBACK_ATTEMPTS = LIMITS.callbackAttempts;
export const backoffMs = (attempt: number) =>
  Math.min(LIMITS.callbackFirstBackoffMs * 4 ** (attempt - 1), LIMITS.callbackMaxBackoffMs);

const KEY = "upload";
const freshCallback = (): Stored["callback"] => ({
  attempts: 0,
  delivered: false,
  last_error: null,
  next_at: null,
});

/** The record as of now: expiry applied, and a resumable upload's progress. */
function current(stored: Stored, now = Date.now()): UploadRecord {
  const record = stored.record;
  const tus = stored.tus;
  const progress = tus ? { offset: tus.staging.offset, length: tus.staging.length } : {};
  const unfinishedTus = tus && !tus.staging.complete && !tus.terminated && now > tus.expiresAt;
  const open = record.status === "pending" || record.status === "failed";
  const expired =
    unfinishedTus || (open && !tus && now > Date.parse(record.expires_at) + CLOCK_SKEW_SECONDS * 1000);
  return { ...record, ...progress, ...(expired ? { status: "expired" as const } : {}) };
}

export class UploadSession extends DurableObject<Env> {
  /** A PATCH is being written: the single-writer rule (a second concurrent PATCH gets 423). */
  private writing = false;

  private load(): Promise<Stored | undefined> {
    return this.ctx.storage.get<Stored>(KEY);
  }

  private async save(stored: Stored): Promise<void> {
    await this.ctx.storage.put<Stored>(KEY, stored);
  }

  /** One alarm for everything that waits: the next callback attempt and the next cleanup. */
  private async schedule(stored: Stored): Promise<void> {
    const times = [stored.callback.next_at];
    if (stored.tus && !stored.tus.terminated) {
      times.push(
        stored.tus.staging.complete ? (stored.tus.stagedAt ?? 0) + STAGED_RETENTION_MS : stored.tus.expiresAt,
      );
    }
    const next = Math.min(...times.filter((t): t is number => t !== null));
    if (Number.isFinite(next)) await this.ctx.storage.setAlarm(next);
    else await this.ctx.storage.deleteAlarm();
  }

  async create(record: UploadRecord, callbackUrl: string | null): Promise<void> {
    if (await this.load()) throw new Error(`upload ${record.id} exists`);
    await this.save({ record, callback_url: callbackUrl, callback: freshCallback() });
  }

  async status(): Promise<UploadRecord | null> {
    const stored = await this.load();
    return stored ? current(stored) : null;
  }

  /**
   * Claims the URL for one upload. Pending → receiving. A failed single-request upload may be tried again
   * until it expires (a phone that lost its connection retries the same URL); completed, in progress or
   * resumable may not.
   */
  async begin(): Promise<Claim> {
    const stored = await this.load();
    if (!stored) return { ok: false, reason: "unknown" };
    const record = current(stored);
    if (record.status === "expired") return { ok: false, reason: "expired" };
    if (record.status === "completed" || stored.tus) return { ok: false, reason: "used" };
    if (record.status === "receiving") return { ok: false, reason: "in_use" };
    const { error: _previous, ...rest } = stored.record;
    await this.save({ ...stored, record: { ...rest, status: "receiving" } });
    return { ok: true };
  }

  async finish(outcome: Pick<UploadRecord, "result"> | Pick<UploadRecord, "error">): Promise<UploadRecord> {
    const stored = await this.load();
    if (!stored) throw new Error("finish without an upload");
    return this.settle(stored, { ...outcome, status: "result" in outcome ? "completed" : "failed" });
  }

  /** Records an outcome and, with a callback URL, sends it (from the alarm, so it can be retried). */
  private async settle(
    stored: Stored,
    outcome: Partial<UploadRecord> & { status: UploadStatus },
  ): Promise<UploadRecord> {
    const { result: _r, error: _e, ...rest } = stored.record;
    const record: UploadRecord = { ...rest, ...outcome, finished_at: new Date().toISOString() };
    const next: Stored = {
      ...stored,
      record,
      callback: { ...freshCallback(), next_at: stored.callback_url ? Date.now() : null },
    };
    await this.save(next);
    await this.schedule(next);
    return current(next);
  }

  /**
   * Starts a resumable upload. From a signed URL (`fromToken`) the upload exists and must be unclaimed; with
   * a gateway key it is new.
   */
  async tusCreate(record: UploadRecord, tus: TusUpload, fromToken: boolean): Promise<Claim> {
    let stored = await this.load();
    if (fromToken) {
      if (!stored) return { ok: false, reason: "unknown" };
      const now = current(stored);
      if (now.status === "expired") return { ok: false, reason: "expired" };
      if (stored.tus || now.status !== "pending") return { ok: false, reason: "used" };
      stored = { ...stored, record: { ...stored.record, status: "receiving" }, tus };
    } else {
      if (stored) return { ok: false, reason: "used" };
      stored = {
        record: { ...record, status: "receiving" },
        callback_url: null,
        callback: freshCallback(),
        tus,
      };
    }
    await this.save(stored);
    await this.schedule(stored);
    return { ok: true };
  }

  /** HEAD, PATCH and DELETE of a resumable upload, after the Worker has authorized the request. */
  override async fetch(request: Request): Promise<Response> {
    const instance = new URL(request.url).pathname;
    try {
      const loaded = await this.load();
      if (!loaded?.tus) throw new GatewayError("not_found", "No such upload.");
      const stored = { ...loaded, tus: loaded.tus };
      if (stored.tus.terminated || current(stored).status === "expired") {
        throw new GatewayError("upload_gone", "This upload was terminated or has expired.");
      }
      if (request.method === "HEAD") return this.head(stored);
      if (request.method === "DELETE") return await this.terminate(stored);
      if (request.method === "PATCH") return await this.patch(request, stored, instance);
      throw new GatewayError("method_not_allowed", `${request.method} is not a tus method here.`);
    } catch (error) {
      await request.body?.cancel().catch(() => {});
      const response = problemResponse(error, instance);
      response.headers.set("tus-resumable", TUS_VERSION);
      return response;
    }
  }

  private head(stored: Stored & { tus: TusUpload }): Response {
    return new Response(null, {
      headers: tusHeaders({
        "upload-offset": String(stored.tus.staging.offset),
        "upload-length": String(stored.tus.staging.length),
        "upload-expires": new Date(stored.tus.expiresAt).toUTCString(),
        "cache-control": "no-store",
      }),
    });
  }

  private async terminate(stored: Stored & { tus: TusUpload }): Promise<Response> {
    if (this.writing)
      throw new GatewayError("upload_locked", "A PATCH is in progress; try again when it ends.");
    await discard(this.env.STAGING, stored.tus.staging);
    const tus = { ...stored.tus, terminated: true };
    const gone = new GatewayError("upload_gone", "The upload was terminated by the client.").toProblem();
    await this.settle({ ...stored, tus }, { status: "failed", error: gone });
    return new Response(null, { status: 204, headers: tusHeaders() });
  }

  private async patch(
    request: Request,
    stored: Stored & { tus: TusUpload },
    instance: string,
  ): Promise<Response> {
    if (this.writing) throw new GatewayError("upload_locked", "Another PATCH is writing to this upload.");
    const offset = intHeader(request.headers, "upload-offset");
    if (offset !== stored.tus.staging.offset) {
      throw new GatewayError(
        "upload_offset_mismatch",
        `The upload is at offset ${stored.tus.staging.offset}, not ${offset ?? "(none)"}.`,
      );
    }
    const declared = intHeader(request.headers, "content-length") ?? 0;
    const checksum = parseChecksum(request.headers.get("upload-checksum"));
    this.writing = true;
    let tus = stored.tus;
    try {
      if (!tus.staging.complete && declared > 0 && request.body) {
        const staging = await append(this.env.STAGING, tus.staging, request.body, {
          declared,
          ...(checksum ? { checksum } : {}),
          contentType: tus.file.mimeType,
          commit: async (next) => {
            tus = { ...tus, staging: next };
            await this.save({ ...stored, tus });
          },
        });
        tus = { ...tus, staging };
      }
      if (tus.staging.complete && !tus.stagedAt) {
        tus = { ...tus, stagedAt: Date.now() };
        await this.save({ ...stored, tus });
        // Answer only after delivery, so a client's onSuccess means the providers have the file.
        const record = await this.deliverStaged({ ...stored, tus }, tus.providers, instance);
        const failed = record.deliveries?.find((d) => d.error)?.error;
        if (failed && tus.providers.length === 1) {
          const response = Response.json(failed, { status: failed.status });
          response.headers.set("content-type", "application/problem+json");
          response.headers.set("tus-resumable", TUS_VERSION);
          response.headers.set("upload-offset", String(tus.staging.offset));
          return response;
        }
      }
      return new Response(null, {
        status: 204,
        headers: tusHeaders({
          "upload-offset": String(tus.staging.offset),
          "upload-expires": new Date(tus.expiresAt).toUTCString(),
        }),
      });
    } finally {
      this.writing = false;
    }
  }

  /** Delivers the staged file to `providers` and records each outcome (merged with earlier ones). */
  private async deliverStaged(
    stored: Stored & { tus: TusUpload },
    providers: readonly ProviderId[],
    instance: string,
  ) {
    const tus = stored.tus;
    const staged: StagedFile = {
      id: stored.record.id,
      file: tus.file,
      origin: tus.origin,
      stagedAt: tus.stagedAt ?? Date.now(),
    };
    const fresh = await deliver(this.env, staged, providers, tus.options, instance);
    const deliveries = tus.providers.map(
      (p) =>
        fresh.find((d) => d.provider === p) ??
        stored.record.deliveries?.find((d) => d.provider === p) ?? { provider: p },
    );
    const ok = deliveries.every((d) => d.result);
    const single = deliveries.length === 1 ? deliveries[0] : undefined;
    return this.settle(stored, {
      status: ok ? "completed" : "failed",
      deliveries,
      ...(single?.result ? { result: single.result } : {}),
      ...(single?.error ? { error: single.error } : {}),
    });
  }

  /** Delivers a staged file again to the providers that failed (POST /v1/uploads/{id}/retry). */
  async retry(instance: string): Promise<Outcome<UploadRecord>> {
    return outcome(() => this.redeliver(instance));
  }

  private async redeliver(instance: string): Promise<UploadRecord> {
    const stored = await this.load();
    if (!stored) throw new GatewayError("not_found", "No such upload.");
    const tus = stored.tus;
    if (!tus?.staging.complete || tus.terminated) {
      throw new GatewayError(
        "invalid_field",
        "Only a resumable upload whose bytes have all arrived can be retried.",
      );
    }
    if (Date.now() > (tus.stagedAt ?? 0) + STAGED_RETENTION_MS)
      throw new GatewayError("upload_gone", "The staged file has expired.");
    if (this.writing) throw new GatewayError("upload_locked", "A delivery is in progress.");
    const failed = tus.providers.filter(
      (p) => !stored.record.deliveries?.find((d) => d.provider === p)?.result,
    );
    if (failed.length === 0) return current(stored);
    this.writing = true;
    try {
      return await this.deliverStaged({ ...stored, tus }, failed, instance);
    } finally {
      this.writing = false;
    }
  }

  /** Callbacks due, and cleanup due: an unfinished upload past expiry, a staged file past retention. */
  override async alarm(): Promise<void> {
    let stored = await this.load();
    if (!stored) return;
    const now = Date.now();
    const tus = stored.tus;
    if (tus && !tus.terminated && !this.writing) {
      const unfinishedExpired = !tus.staging.complete && now >= tus.expiresAt;
      const retentionOver = tus.staging.complete && now >= (tus.stagedAt ?? 0) + STAGED_RETENTION_MS;
      if (unfinishedExpired || retentionOver) {
        await discard(this.env.STAGING, tus.staging);
        stored = { ...stored, tus: { ...tus, terminated: true } };
        await this.save(stored);
        // An upload that never finished is over: record it (and tell the callback, if any).
        if (unfinishedExpired) await this.settle(stored, { status: "expired" });
        stored = (await this.load()) ?? stored;
      }
    }
    const callback = stored.callback;
    // A pending callback goes whenever the alarm runs: early is harmless for a retry (cleanup, above, is not).
    if (stored.callback_url && !callback.delivered && callback.next_at !== null) {
      const attempt = callback.attempts + 1;
      const error = await deliverCallback(
        stored.callback_url,
        current(stored),
        this.env.SIGNING_SECRET ?? "",
        this.env,
      );
      const retry = error !== null && attempt < CALLBACK_ATTEMPTS;
      stored = {
        ...stored,
        callback: {
          attempts: attempt,
          delivered: error === null,
          last_error: error,
          next_at: retry ? now + backoffMs(attempt) : null,
        },
      };
      await this.save(stored);
    }
    await this.schedule(stored);
  }

  /** Callback delivery state, for tests and operators. */
  async callbackState(): Promise<Omit<Stored["callback"], "next_at"> | null> {
    const callback = (await this.load())?.callback;
    if (!callback) return null;
    const { next_at: _n, ...rest } = callback;
    return rest;
  }
}
