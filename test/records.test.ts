// The upload record's state machine (worker/services/records/record.ts), step by step: pure functions of
// (stored, now), so every transition and refusal is checked without storage or timing.
import { describe, expect, it } from "vitest";
import { LIMITS } from "../worker/core/limits";
import * as R from "../worker/services/records/record";
import * as S from "../worker/services/records/schedule";

const T0 = Date.parse("2026-11-22T12:00:00Z");
const record = (over: Partial<R.UploadRecord> = {}): R.UploadRecord => ({
  id: "u1",
  provider: "jimmy",
  status: "pending",
  created_at: new Date(T0).toISOString(),
  expires_at: new Date(T0 + 900_000).toISOString(),
  metadata: null,
  ...over,
});
const result = { id: "u1", provider: "jimmy" } as unknown as NonNullable<R.UploadRecord["result"]>;
const problem = { code: "provider_error", status: 502 } as unknown as Parameters<typeof R.finish>[3] & {
  error: unknown;
};
const next = <T>(step: R.Step<T>): R.Stored => {
  if ("refused" in step) throw new Error(`refused: ${step.refused}`);
  return step.next;
};

describe("ownership", () => {
  it("the owner stamped at creation may see it; another owner, an unowned record's viewer, or another upload's ticket may not", () => {
    const owned = R.fresh(record(), null, { owner: "a" });
    expect(R.permits(owned, { owner: "a" })).toBe(true);
    expect(R.permits(owned, { owner: "b" })).toBe(false);
    expect(R.permits(owned, { upload: "u1" })).toBe(true);
    expect(R.permits(owned, { upload: "u2" })).toBe(false);
    expect(R.permits(undefined, { owner: "a" })).toBe(false);
    // Stored before owners were kept: no key sees it, until its token's claim names the owner.
    const legacy = R.fresh(record(), null);
    expect(R.permits(legacy, { owner: "a" })).toBe(false);
    const claimed = next(R.claim(legacy, T0, "l", "a"));
    expect(R.permits(claimed, { owner: "a" })).toBe(true);
    // A claim never changes an owner already stamped.
    expect(next(R.claim(owned, T0, "l", "b")).owner).toBe("a");
  });

  it(`a signed URL is used up after ${LIMITS.ticketAttempts} failed attempts`, () => {
    let stored = R.fresh(record(), null, { owner: "a" });
    for (let i = 0; i < LIMITS.ticketAttempts; i++) {
      stored = next(R.finish(next(R.claim(stored, T0, `l${i}`)), T0, `l${i}`, problem));
    }
    expect(stored.failures).toBe(LIMITS.ticketAttempts);
    expect(R.claim(stored, T0, "last")).toEqual({ refused: "exhausted" });
  });
});

describe("single-request claims", () => {
  const start = R.fresh(record(), "https://backend.example/hook");

  it("pending → receiving under a lease; a second claim is refused while it lives", () => {
    const claimed = next(R.claim(start, T0, "a"));
    expect(claimed.record.status).toBe("receiving");
    expect(claimed.lease).toEqual({ id: "a", startedAt: T0, heartbeatAt: T0 });
    expect(R.claim(claimed, T0 + 1000, "b")).toEqual({ refused: "in_use" });
  });

  it("a lapsed lease is failed (upload_stalled) and the URL can be claimed again", () => {
    const claimed = next(R.claim(start, T0, "a"));
    const later = T0 + LIMITS.leaseMs + 1;
    const again = next(R.claim(claimed, later, "b"));
    expect(again.lease?.id).toBe("b");
    expect(again.record.status).toBe("receiving");
    // The lapsed attempt was recorded as a failure (its callback owed) before the new claim.
    expect(again.version).toBe(1);
    expect(again.callback.next_at).toBe(later);
  });

  it("renewing keeps a lease alive; a renewal of a lost lease is refused", () => {
    const claimed = next(R.claim(start, T0, "a"));
    const renewed = next(R.renew(claimed, T0 + LIMITS.leaseMs, "a"));
    expect(R.claim(renewed, T0 + LIMITS.leaseMs + 1000, "b")).toEqual({ refused: "in_use" });
    expect(R.renew(renewed, T0, "b")).toEqual({ refused: "gone" });
  });

  it("finish by a superseded claim changes nothing", () => {
    const claimed = next(R.claim(start, T0, "a"));
    const step = R.finish(claimed, T0 + 5, "other", { result });
    expect(next(step)).toBe(claimed);
  });

  it("a completed record never goes back: a later failure, or a claim, is refused or ignored", () => {
    const done = next(R.finish(next(R.claim(start, T0, "a")), T0 + 5, "a", { result }));
    expect(done.record.status).toBe("completed");
    expect(R.settle(done, T0 + 10, { status: "failed", error: problem.error as never })).toBe(done);
    expect(R.claim(done, T0 + 10, "b")).toEqual({ refused: "used" });
  });

  it("a failed upload may be claimed again until the URL expires", () => {
    const failed = next(R.finish(next(R.claim(start, T0, "a")), T0 + 5, "a", problem as never));
    expect(failed.record.status).toBe("failed");
    expect(next(R.claim(failed, T0 + 10, "b")).record.status).toBe("receiving");
    expect(R.claim(failed, T0 + 900_000 + 31_000, "c")).toEqual({ refused: "expired" });
  });
});

describe("callbacks", () => {
  const failed = R.settle(R.fresh(record(), "https://b.example"), T0, { status: "failed" });

  it("an attempt is booked only against the outcome it reported", () => {
    const event = failed.callback.event;
    // The upload completed while the callback for the failure was in flight:
    const completed = R.settle(failed, T0 + 5, { status: "completed", result });
    const booked = S.callbackAttempt(completed, T0 + 10, event, null);
    expect(booked).toBe(completed);
    expect(booked.callback.next_at).toBe(T0 + 5); // the completed callback is still owed
    expect(booked.record.status).toBe("completed");
  });

  it("backs off 1 s × 4ⁿ and gives up after the last attempt", () => {
    let s = failed;
    for (let i = 1; i < LIMITS.callbackAttempts; i++) {
      s = S.callbackAttempt(s, T0, s.callback.event, "HTTP 500");
      expect(s.callback.next_at).toBe(T0 + S.backoffMs(i));
    }
    s = S.callbackAttempt(s, T0, s.callback.event, "HTTP 500");
    expect(s.callback).toMatchObject({ attempts: LIMITS.callbackAttempts, delivered: false, next_at: null });
  });
});

describe("retention and deletion", () => {
  it("a finished record is deleted after its retention, not while a callback is owed", () => {
    const done = R.settle(R.fresh(record(), "https://b.example"), T0, { status: "completed", result });
    const late = T0 + 900_000 + LIMITS.clockSkewSeconds * 1000 + LIMITS.recordRetentionMs;
    expect(S.due(done, late).purge).toBe(false);
    const told = S.callbackAttempt(done, T0 + 1, done.callback.event, null);
    expect(S.due(told, late - 1000).purge).toBe(false);
    expect(S.due(told, late).purge).toBe(true);
    expect(S.nextWake(told)).toBe(late);
  });

  it("a claim in progress is never deleted; its lease lapse wakes the alarm", () => {
    const claimed = next(R.claim(R.fresh(record(), null), T0, "a"));
    expect(S.purgeAt(claimed)).toBeNull();
    expect(S.nextWake(claimed)).toBe(T0 + LIMITS.leaseMs + 1);
    expect(S.due(claimed, T0 + LIMITS.leaseMs + 1).lapsedLease).toBe(true);
  });
});
