// When an upload's Durable Object must wake, and what it does then: discard expired or retained bytes, fail
// a lapsed claim, send (and retry) a callback, purge a finished record. Pure functions of (stored, now), as
// the record's steps are (./record.ts).
import { LIMITS } from "../../core/limits";
import { leaseLapsed, type Stored, settle, skewMs, type TusUpload, type UploadStatus } from "./record";

/** What the alarm has to do at `now`. */
export interface Due {
  /** The staged or partial bytes are to be discarded (unfinished past expiry, or staged past retention). */
  readonly discard: boolean;
  readonly lapsedLease: boolean;
  readonly callback: boolean;
  /** The record is finished, its bytes gone and its callbacks done: delete it. */
  readonly purge: boolean;
}

/** When a staged file's retention ends (retries and the alarm agree on it). */
export const stagedUntil = (tus: TusUpload) => (tus.stagedAt ?? 0) + LIMITS.stagedRetentionMs;
const callbackOwed = (s: Stored) =>
  s.callback_url !== null && !s.callback.delivered && s.callback.next_at !== null;

/** When a record may be deleted: after retention, once nothing (bytes, callbacks, a live URL) needs it. */
export function purgeAt(stored: Stored): number | null {
  const { record, tus } = stored;
  if (tus && !tus.terminated) return null;
  if (record.status === "receiving" && !tus) return null;
  const finished = record.finished_at ? Date.parse(record.finished_at) : 0;
  return Math.max(Date.parse(record.expires_at) + skewMs, finished) + LIMITS.recordRetentionMs;
}

export function due(stored: Stored, now: number): Due {
  const tus = stored.tus;
  const discard =
    !!tus &&
    !tus.terminated &&
    ((!tus.staging.complete && now >= tus.expiresAt) || (tus.staging.complete && now >= stagedUntil(tus)));
  const lapsedLease = !!stored.lease && leaseLapsed(stored.lease, now);
  const purge = !discard && !lapsedLease && !callbackOwed(stored) && now >= (purgeAt(stored) ?? Infinity);
  return { discard, lapsedLease, callback: callbackOwed(stored), purge };
}

/** The next time the alarm is needed, or null. */
export function nextWake(stored: Stored): number | null {
  const times: (number | null)[] = [stored.callback.next_at];
  const tus = stored.tus;
  if (tus && !tus.terminated) times.push(tus.staging.complete ? stagedUntil(tus) : tus.expiresAt);
  if (stored.lease) times.push(stored.lease.heartbeatAt + LIMITS.leaseMs + 1);
  if (!callbackOwed(stored)) times.push(purgeAt(stored));
  const next = Math.min(...times.filter((t): t is number => t !== null));
  return Number.isFinite(next) ? next : null;
}

/** After an unfinished upload's bytes are discarded at expiry: expired (and the callback told). */
export function expiredTus(stored: Stored, now: number): Stored {
  if (!stored.tus) return stored;
  const next = { ...stored, tus: { ...stored.tus, terminated: true } };
  return stored.tus.staging.complete ? next : settle(next, now, { status: "expired" });
}

/** Bookkeeping of one callback attempt for `event`; ignored when a newer outcome happened meanwhile. */
export function callbackAttempt(stored: Stored, now: number, event: number, error: string | null): Stored {
  if (stored.callback.event !== event || stored.callback.delivered) return stored;
  const attempts = stored.callback.attempts + 1;
  const retry = error !== null && attempts < LIMITS.callbackAttempts;
  return {
    ...stored,
    callback: {
      event,
      attempts,
      delivered: error === null,
      last_error: error,
      next_at: retry ? now + backoffMs(attempts) : null,
    },
  };
}

/** Statuses a callback reports: an outcome. A record back in `receiving` has a newer attempt under way. */
export const isOutcome = (status: UploadStatus) =>
  status === "completed" || status === "failed" || status === "expired";

/** The callback for `event` is dropped: a newer attempt is under way and will be told when it ends. */
export function supersedeCallback(stored: Stored, event: number): Stored {
  if (stored.callback.event !== event) return stored;
  return { ...stored, callback: { ...stored.callback, next_at: null } };
}

export const backoffMs = (attempt: number) =>
  Math.min(LIMITS.callbackFirstBackoffMs * 4 ** (attempt - 1), LIMITS.callbackMaxBackoffMs);
