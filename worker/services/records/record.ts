// An upload's record and its state machine, as pure functions of (stored, now): no I/O, so each step is
// tested on its own (test/records.test.ts) and the Durable Object applies it to a copy it has just loaded, with
// no await between load and save (session.ts). That is the whole concurrency rule: a step never saves a
// copy read before an await, and a completed record never goes back.
//
//   pending ──claim──▶ receiving ──finish──▶ completed (terminal)
//      ▲                   │  └─lease lapses─▶ failed ──claim──▶ receiving …   (single-request signed URL)
//      └─────── failed ◀───┘
//   receiving (tus) ──all bytes + delivered──▶ completed | failed ──retry──▶ completed
//   pending/failed/unfinished tus past expiry ──▶ expired;  finished + retention + callbacks done ──▶ purged
import type { components } from "../../../generated/gateway";
import { LIMITS } from "../../core/limits";
import type { FileInfo } from "../../core/media";
import type { Options, ProviderId } from "../../providers/kit/capability";
import type { StagingState } from "../staging/rechunk";
import type { TusProtocolState } from "./tus-state";

export type UploadRecord = components["schemas"]["UploadStatus"];
export type UploadStatus = UploadRecord["status"];
type Problem = components["schemas"]["Problem"];
type Delivery = components["schemas"]["Delivery"];

/** A resumable upload's own state. */
export interface TusUpload extends TusProtocolState {
  readonly staging: StagingState;
  readonly file: FileInfo;
  readonly providers: readonly ProviderId[];
  readonly options: Options;
  /** Unix ms: an unfinished upload is discarded after this (Upload-Expires). */
  readonly expiresAt: number;
  /** The gateway's public origin, for signed URLs in results. */
  readonly origin: string;
  /** Unix ms the last byte arrived; the staged file is deleted LIMITS.stagedRetentionMs later. */
  readonly stagedAt?: number;
  /** Its R2 bytes are gone (terminated, expired, or past retention). */
  readonly terminated?: boolean;
  /** The registry owner: the fingerprint of the gateway key that created it or minted its ticket. */
  readonly owner?: string;
  /** The key it counts against in usage (the creating key, or the ticket's minting key). */
  readonly key?: string;
  /** The declared SHA-256 (hex: Upload-Metadata sha256 or the ticket's), verified before delivery. */
  readonly sha256?: string;
  /**
   * The staged bytes' SHA-256 (hex), once computed: hashed once from R2 (before the first delivery when a
   * digest was declared, else beside it) and kept, so a retry or a later provider never hashes again.
   */
  readonly stagedSha256?: string;
  /** Days the staged object is kept as the owner's original once delivered (docs/reuse.md); none: not kept. */
  readonly keepDays?: number;
}

/** The claim of a single-request upload in progress: renewed as bytes arrive, stale once it lapses. */
export interface Lease {
  readonly id: string;
  readonly startedAt: number;
  readonly heartbeatAt: number;
}

export interface CallbackState {
  readonly attempts: number;
  readonly delivered: boolean;
  readonly last_error: string | null;
  /** When the next attempt is due; null when nothing is owed. */
  readonly next_at: number | null;
  /** The record version this callback reports: an attempt for an older one never touches a newer state. */
  readonly event: number;
}

export interface Stored {
  /** Bumped by every outcome; guards callback bookkeeping against outcomes that happened meanwhile. */
  readonly version: number;
  readonly record: UploadRecord;
  readonly callback_url: string | null;
  readonly callback: CallbackState;
  readonly tus?: TusUpload;
  readonly lease?: Lease;
  /**
   * Who the upload belongs to: the fingerprint of the gateway key that created it or minted its ticket.
   * Records stored before owners were kept here have only `tus.owner` (ownerOf reads both); a ticket minted
   * before the registry has neither, and no key may see it.
   */
  readonly owner?: string;
  /** Failed attempts at a single-request signed URL: bounded (LIMITS.ticketAttempts), then it is used up. */
  readonly failures?: number;
}

/**
 * Who asks: a gateway key's owner, or the holder of one upload's signed URL (its token names the upload,
 * so it reaches no other Durable Object; the check here is the backstop).
 */
export type Caller = { readonly owner: string } | { readonly upload: string };

/** The owner of a stored upload, if one is known. */
export const ownerOf = (stored: Stored): string | undefined => stored.owner ?? stored.tus?.owner;

/**
 * Whether `caller` may see or change the upload. Another owner's upload is indistinguishable from none
 * (the caller gets the same 404), so ids leak nothing.
 */
export function permits(stored: Stored | undefined, caller: Caller): stored is Stored {
  if (!stored) return false;
  if ("upload" in caller) return caller.upload === stored.record.id;
  const owner = ownerOf(stored);
  return owner !== undefined && owner === caller.owner;
}

/** Why a step could not be taken; the Durable Object turns these into problems. */
export type Refusal = "unknown" | "expired" | "used" | "in_use" | "complete" | "gone" | "exhausted";

export type Step<T> = { readonly next: Stored; readonly value: T } | { readonly refused: Refusal };

const noCallback = (event: number): CallbackState => ({
  attempts: 0,
  delivered: false,
  last_error: null,
  next_at: null,
  event,
});

export function fresh(
  record: UploadRecord,
  callbackUrl: string | null,
  more: { readonly owner?: string | undefined; readonly tus?: TusUpload } = {},
): Stored {
  return {
    version: 0,
    record,
    callback_url: callbackUrl,
    callback: noCallback(0),
    ...(more.owner === undefined ? {} : { owner: more.owner }),
    ...(more.tus ? { tus: more.tus } : {}),
  };
}

export const skewMs = LIMITS.clockSkewSeconds * 1000;
export const leaseLapsed = (lease: Lease, now: number) => now - lease.heartbeatAt > LIMITS.leaseMs;

/** The record as of `now`: expiry applied, and a resumable upload's progress. */
export function current(stored: Stored, now: number): UploadRecord {
  const { record, tus } = stored;
  const length = tus && !tus.deferred ? { length: tus.staging.length } : {};
  const progress = tus ? { offset: tus.staging.offset, ...length } : {};
  const unfinishedTus = tus && !tus.staging.complete && !tus.terminated && now > tus.expiresAt;
  const open = record.status === "pending" || record.status === "failed";
  const expired = unfinishedTus || (open && !tus && now > Date.parse(record.expires_at) + skewMs);
  return { ...record, ...progress, ...(expired ? { status: "expired" as const } : {}) };
}

/**
 * Records an outcome. A completed record is final: later outcomes are ignored. With a callback URL, a
 * callback for this version is due now (the alarm sends it).
 */
export function settle(
  stored: Stored,
  now: number,
  outcome: Partial<UploadRecord> & { status: UploadStatus },
): Stored {
  if (stored.record.status === "completed") return stored;
  const { result: _r, error: _e, ...rest } = stored.record;
  const version = stored.version + 1;
  const { lease: _lease, ...withoutLease } = stored;
  return {
    ...withoutLease,
    version,
    record: { ...rest, ...outcome, finished_at: new Date(now).toISOString() },
    callback: { ...noCallback(version), next_at: stored.callback_url ? now : null },
  };
}

/**
 * Claims a signed URL for one single-request upload. A failed upload may be tried again until the URL
 * expires (a phone that lost its connection retries); a claim whose lease lapsed is failed first.
 */
export function claim(stored: Stored | undefined, now: number, leaseId: string, owner?: string): Step<void> {
  if (!stored) return { refused: "unknown" };
  let base = stored;
  if (base.lease && leaseLapsed(base.lease, now)) base = failLapsed(base, now);
  const record = current(base, now);
  if (record.status === "expired") return { refused: "expired" };
  if (record.status === "completed" || base.tus) return { refused: "used" };
  if (record.status === "receiving") return { refused: "in_use" };
  if ((base.failures ?? 0) >= LIMITS.ticketAttempts) return { refused: "exhausted" };
  const { error: _previous, ...rest } = base.record;
  const lease: Lease = { id: leaseId, startedAt: now, heartbeatAt: now };
  // A record stored before owners were kept takes the owner its (verified) token names.
  const owned = base.owner === undefined && owner !== undefined ? { owner } : {};
  return { next: { ...base, ...owned, record: { ...rest, status: "receiving" }, lease }, value: undefined };
}

/** One more failed attempt at a signed URL (claim() refuses once there have been LIMITS.ticketAttempts). */
const failedOnce = (stored: Stored): Stored => ({ ...stored, failures: (stored.failures ?? 0) + 1 });

/** Renews a lease; refused when the lease is no longer this one (it lapsed and was failed or re-claimed). */
export function renew(stored: Stored | undefined, now: number, leaseId: string): Step<void> {
  if (!stored) return { refused: "unknown" };
  if (stored.lease?.id !== leaseId) return { refused: "gone" };
  return { next: { ...stored, lease: { ...stored.lease, heartbeatAt: now } }, value: undefined };
}

/** The outcome of a claimed upload; ignored (the record as it is) when the claim is no longer this one. */
export function finish(
  stored: Stored | undefined,
  now: number,
  leaseId: string,
  outcome: { result: NonNullable<UploadRecord["result"]> } | { error: Problem },
): Step<UploadRecord> {
  if (!stored) return { refused: "unknown" };
  if (stored.lease?.id !== leaseId) return { next: stored, value: current(stored, now) };
  const next =
    "result" in outcome
      ? settle(stored, now, { ...outcome, status: "completed" })
      : settle(failedOnce(stored), now, { ...outcome, status: "failed" });
  return { next, value: current(next, now) };
}

export const LAPSED_ERROR: Problem = {
  type: "urn:mediagate:problem:upload_stalled",
  title: "The upload stalled: no bytes arrived for too long",
  status: 408,
  code: "upload_stalled",
  detail: "The upload stopped making progress (or the gateway lost it); try again with the same URL.",
};

/** A claim whose lease lapsed: the upload failed; the URL may be used again. */
export function failLapsed(stored: Stored, now: number): Stored {
  return settle(failedOnce(stored), now, { status: "failed", error: LAPSED_ERROR });
}

/** Starts a resumable upload: from a signed URL the record exists and must be unclaimed; with a key it is new. */
export function startTus(
  stored: Stored | undefined,
  now: number,
  record: UploadRecord,
  tus: TusUpload,
  fromToken: boolean,
): Step<void> {
  if (!fromToken) {
    if (stored) return { refused: "used" };
    return {
      next: fresh({ ...record, status: "receiving" }, null, { owner: tus.owner, tus }),
      value: undefined,
    };
  }
  if (!stored) return { refused: "unknown" };
  const status = current(stored, now).status;
  if (status === "expired") return { refused: "expired" };
  if (stored.tus || status !== "pending") return { refused: "used" };
  return { next: { ...stored, record: { ...stored.record, status: "receiving" }, tus }, value: undefined };
}

/**
 * Merges fresh delivery outcomes with earlier ones, and settles on the whole; `sha256` is the staged bytes'
 * digest when the delivery computed it (kept for retries).
 */
export function delivered(stored: Stored, now: number, fresh: readonly Delivery[], sha256?: string): Stored {
  const tus =
    stored.tus && sha256 !== undefined && stored.tus.stagedSha256 === undefined
      ? { ...stored.tus, stagedSha256: sha256 }
      : stored.tus;
  if (!tus) return stored;
  stored = { ...stored, tus };
  const deliveries = tus.providers.map(
    (p) =>
      fresh.find((d) => d.provider === p) ??
      stored.record.deliveries?.find((d) => d.provider === p) ?? { provider: p },
  );
  const ok = deliveries.every((d) => d.result);
  const single = deliveries.length === 1 ? deliveries[0] : undefined;
  return settle(stored, now, {
    status: ok ? "completed" : "failed",
    deliveries,
    ...(single?.result ? { result: single.result } : {}),
    ...(single?.error ? { error: single.error } : {}),
  });
}

/** Providers of a staged upload still without a result. */
export const undelivered = (stored: Stored): ProviderId[] =>
  (stored.tus?.providers ?? []).filter(
    (p) => !stored.record.deliveries?.find((d) => d.provider === p)?.result,
  );
