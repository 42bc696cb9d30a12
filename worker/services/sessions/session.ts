// One Durable Object per upload (signed URL or resumable): glue between storage and the record's pure state
// machine (records/record.ts). Every change is `update(step)`: load, apply the step, save — with no await
// between load and save, so under the Durable Object's input gates no other call interleaves, and no step
// ever saves a copy read before an await (a callback, a delivery, an R2 call). RPC methods return an Outcome
// (one error convention: the Worker rethrows its problem). The tus writer and delivery lock is in memory on
// purpose: those requests run inside this object, so an evicted instance takes them with it.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../../core/config";
import { GatewayError, isGatewayError, type Outcome, outcome, problemResponse } from "../../core/errors";
import { LIMITS } from "../../core/limits";
import { forwardedRequestId } from "../../core/request-id";
import type { ProviderId } from "../../providers/kit/capability";
import { type Delivery, deliver, StagedDigest } from "../delivery/deliver";
import * as R from "../records/record";
import * as S from "../records/schedule";
import * as T from "../records/tus";
import type { Piece } from "../staging/concat";
import { discard } from "../staging/rechunk";
import { pieceRefused } from "../tus/concat";
import { refusal, type TusStore, tusRequest } from "../tus/handlers";
import { TUS_VERSION } from "../tus/protocol";
import { digestMismatch } from "../upload/digest";
import { isKept } from "../upload/kept";
import { deliverCallback } from "./callback";
import { callerOf } from "./caller";
import { claimRefused } from "./claim";
import { register } from "./register";

export type { Caller, TusUpload, UploadRecord, UploadStatus } from "../records/record";

export { CALLER_HEADER } from "./caller";

/** The upload's Durable Object. */
export const uploadSession = (env: Env, id: string) => {
  const namespace = env.UPLOADS as unknown as DurableObjectNamespace<UploadSession>;
  return namespace.get(namespace.idFromName(id));
};

const KEY = "upload";

export class UploadSession extends DurableObject<Env> {
  private busy = false;

  private load(): Promise<R.Stored | undefined> {
    return this.ctx.storage.get<R.Stored>(KEY);
  }

  private async save(stored: R.Stored): Promise<void> {
    await this.ctx.storage.put<R.Stored>(KEY, stored);
    await this.schedule(stored);
  }

  /** One alarm for everything that waits: callbacks, lease lapse, expiry, retention, deletion. */
  private async schedule(stored: R.Stored): Promise<void> {
    const wake = S.nextWake(stored);
    if (wake === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(wake);
  }

  private lock(): boolean {
    if (this.busy) return false;
    this.busy = true;
    return true;
  }

  /**
   * Applies a step to the record as stored now. A refusal throws its problem (as a signed URL's holder is
   * told, unless `refuse` says otherwise); nothing is saved.
   */
  private async step<T, W extends string = R.Refusal>(
    take: (stored: R.Stored | undefined, now: number) => R.Step<T> | { readonly refused: W },
    refuse: (why: R.Refusal | W) => GatewayError = claimRefused as (why: R.Refusal | W) => GatewayError,
  ): Promise<T> {
    const stored = await this.load();
    const result = take(stored, Date.now());
    if ("refused" in result) throw refuse(result.refused);
    if (result.next !== stored) await this.save(result.next);
    return result.value;
  }

  /** A change to an upload that exists (tus, delivery, the alarm): one that has vanished is a 404 to anyone. */
  private update = (change: (stored: R.Stored, now: number) => R.Stored) =>
    this.step((stored, now) => {
      if (!stored) return { refused: "unknown" };
      const next = change(stored, now);
      return { next, value: next };
    }, refusal);

  create(
    record: R.UploadRecord,
    callbackUrl: string | null,
    owner: string | undefined,
  ): Promise<Outcome<void>> {
    return outcome(() =>
      this.step((stored) =>
        stored ? { refused: "used" } : { next: R.fresh(record, callbackUrl, { owner }), value: undefined },
      ),
    );
  }

  /** The upload's status document, or null when there is none that `caller` may see. */
  async status(caller: R.Caller): Promise<R.UploadRecord | null> {
    const stored = await this.load();
    return R.permits(stored, caller) ? R.current(stored, Date.now()) : null;
  }

  /** Claims the signed URL for one upload; `owner` (the token's) is kept by a record stored without one. */
  begin(leaseId: string, owner: string | undefined): Promise<Outcome<void>> {
    return outcome(() => this.step((s, now) => R.claim(s, now, leaseId, owner)));
  }

  renew(leaseId: string): Promise<Outcome<void>> {
    return outcome(() => this.step((s, now) => R.renew(s, now, leaseId)));
  }

  finish(leaseId: string, result: Parameters<typeof R.finish>[3]): Promise<Outcome<R.UploadRecord>> {
    return outcome(() => this.step((s, now) => R.finish(s, now, leaseId, result)));
  }

  tusCreate(record: R.UploadRecord, tus: R.TusUpload, fromToken: boolean): Promise<Outcome<void>> {
    return outcome(() => this.step((s, now) => R.startTus(s, now, record, tus, fromToken)));
  }

  /** The store tus handlers and delivery work on (a delivery logs under `requestId`): `caller`'s uploads only. */
  private store(caller: R.Caller | undefined, requestId?: string): TusStore {
    return {
      bucket: this.env.STAGING,
      load: async () => {
        const stored = await this.load();
        return caller && R.permits(stored, caller) ? stored : undefined;
      },
      update: (change) => this.update(change),
      lock: () => this.lock(),
      unlock: () => {
        this.busy = false;
      },
      deliver: (providers, instance) => this.deliverStaged(providers, instance, requestId),
    };
  }

  /**
   * HEAD, PATCH and DELETE of a resumable upload, after the Worker has authorized the request and named it
   * (X-Request-Id, set over the client's: its problems and log lines here carry the Worker's id).
   */
  override async fetch(request: Request): Promise<Response> {
    const instance = new URL(request.url).pathname;
    const requestId = forwardedRequestId(request);
    try {
      return await tusRequest(request, this.store(callerOf(request), requestId), instance, requestId);
    } catch (error) {
      await request.body?.cancel().catch(() => {});
      // Anything else broke the request itself (its body): the Worker answers for it (http/routes/tus.ts).
      if (!isGatewayError(error)) throw error;
      return problemResponse(error, instance, { "tus-resumable": TUS_VERSION }, requestId);
    }
  }

  /** Delivers the staged file to `providers`; the outcome is merged into the record as it is by then. */
  private async deliverStaged(
    providers: readonly ProviderId[],
    instance: string,
    requestId: string | undefined,
  ): Promise<R.UploadRecord> {
    const stored = await this.load();
    const tus = stored?.tus;
    if (!tus) throw new GatewayError("not_found", "No such upload.");
    // The staged bytes are hashed once and the digest kept (R.delivered): before the first delivery when a
    // digest was declared (it is verified before a byte is sent), else beside it; never again on a retry.
    const unhashed = {
      id: stored.record.id,
      file: tus.file,
      origin: tus.origin,
      stagedAt: tus.stagedAt ?? Date.now(),
      ...(tus.staging.concat ? { pieces: tus.staging.concat } : {}),
    };
    let sha256 = tus.stagedSha256;
    if (sha256 === undefined && tus.sha256 !== undefined)
      sha256 = await new StagedDigest(this.env, unhashed).get();
    const staged = { ...unhashed, ...(sha256 === undefined ? {} : { sha256 }) };
    const declared = tus.sha256;
    let fresh: Delivery[];
    if (declared !== undefined && sha256 !== declared) {
      const problem = digestMismatch(declared, sha256 as string).toProblem(instance);
      fresh = providers.map((provider) => ({ provider, error: problem }));
    } else {
      const out = await deliver(this.env, staged, providers, tus.options, instance, tus.providers.length > 1);
      fresh = out.deliveries;
      sha256 = out.sha256;
    }
    const done = { ...staged, ...(sha256 === undefined ? {} : { sha256 }) };
    if (tus.owner !== undefined) await register(this.env, tus.owner, done, tus, fresh, requestId);
    return R.current(await this.update((s, now) => R.delivered(s, now, fresh, sha256)), Date.now());
  }

  /** Hands this partial's bytes to the final upload `final` (`take`), or checks it could (records/tus.ts). */
  handOver(caller: R.Caller, final: string, take: boolean): Promise<Outcome<T.HandedPiece>> {
    return outcome(() => this.step((s, now) => T.handOver(s, caller, now, final, take), pieceRefused));
  }

  /** Gives this partial back when the final upload that took it could not be created. */
  async release(final: string): Promise<void> {
    await this.update((s) => T.release(s, final));
  }

  /** A concatenated staged file's pieces, name and type (for its signed content URL), while it is kept. */
  async stagedPieces(): Promise<{ pieces: readonly Piece[]; name: string; mimeType: string } | null> {
    const tus = (await this.load())?.tus;
    const pieces = tus?.terminated ? undefined : tus?.staging.concat;
    return pieces && tus ? { pieces, name: tus.file.name, mimeType: tus.file.mimeType } : null;
  }

  /** Delivers a staged file again to the providers that failed (POST /v1/uploads/{id}/retry). */
  retry(instance: string, caller: R.Caller, requestId?: string): Promise<Outcome<R.UploadRecord>> {
    return outcome(async () => {
      const stored = await this.load();
      if (!R.permits(stored, caller)) throw refusal("unknown");
      const tus = stored.tus;
      if (!tus?.staging.complete || tus.terminated) {
        throw new GatewayError(
          "invalid_field",
          "Only a resumable upload whose bytes have all arrived can be retried.",
        );
      }
      if (Date.now() > S.stagedUntil(tus))
        throw new GatewayError("upload_gone", "The staged file has expired.");
      const failed = R.undelivered(stored);
      if (failed.length === 0) return R.current(stored, Date.now());
      if (!this.lock()) throw new GatewayError("upload_locked", "A delivery is in progress.");
      try {
        return await this.deliverStaged(failed, instance, requestId);
      } finally {
        this.busy = false;
      }
    });
  }

  /**
   * Whether the staged copy is still needed here: a provider of the upload awaits a retry within the staged
   * retention (DELETE of another provider's record must not take the bytes that retry would send).
   */
  async needsStaged(): Promise<boolean> {
    const stored = await this.load();
    const tus = stored?.tus;
    if (!stored || !tus?.staging.complete || tus.terminated) return false;
    return Date.now() <= S.stagedUntil(tus) && R.undelivered(stored).length > 0;
  }

  /** Whatever is due: discard expired bytes, fail a lapsed claim, send a callback, delete a finished record. */
  override async alarm(): Promise<void> {
    let stored = await this.load();
    if (!stored) return;
    const now = Date.now();
    const due = S.due(stored, now);
    if (due.discard && stored.tus && this.busy) {
      // A PATCH or delivery is running in this instance: look again shortly.
      await this.ctx.storage.setAlarm(now + LIMITS.heartbeatEveryMs);
      return;
    }
    if (due.discard && stored.tus) {
      if (!(stored.tus.keepDays && (await isKept(this.env.DB, stored.record.id))))
        await discard(this.env.STAGING, stored.tus.staging);
      stored = await this.update((s, at) => S.expiredTus(s, at));
    }
    if (due.lapsedLease)
      stored = await this.update((s, at) =>
        s.lease && R.leaseLapsed(s.lease, at) ? R.failLapsed(s, at) : s,
      );
    if (S.due(stored, now).callback && stored.callback_url) {
      const { event } = stored.callback;
      const record = R.current(stored, now);
      if (!S.isOutcome(record.status)) {
        // A newer attempt is under way since this outcome: it will be told when it ends.
        stored = await this.update((s) => S.supersedeCallback(s, event));
      } else {
        const error = await deliverCallback(
          stored.callback_url,
          record,
          this.env.SIGNING_SECRET ?? "",
          this.env,
        );
        stored = await this.update((s, at) => S.callbackAttempt(s, at, event, error));
      }
    }
    if (S.due(stored, Date.now()).purge) {
      await this.ctx.storage.deleteAlarm();
      await this.ctx.storage.deleteAll();
      return;
    }
    await this.schedule(stored);
  }

  /** Callback delivery state, for tests and operators. */
  async callbackState(): Promise<Omit<R.CallbackState, "next_at" | "event"> | null> {
    const callback = (await this.load())?.callback;
    if (!callback) return null;
    const { next_at: _n, event: _e, ...rest } = callback;
    return rest;
  }
}
