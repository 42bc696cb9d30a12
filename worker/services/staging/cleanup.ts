// The cron backstop for staged files: each upload's Durable Object deletes its own bytes on time (its
// alarm), and the R2 lifecycle rules (docs/configuration.md) abort multipart uploads nobody finished; this sweep
// catches anything older than any upload may live, should an alarm have been lost.
import type { Env } from "../../core/config";
import { LIMITS } from "../../core/limits";

/** Older than this, a staged object belongs to no live upload: expiry or retention, plus a margin. */
export const SWEEP_AGE_MS = Math.max(LIMITS.stagedRetentionMs, LIMITS.tusExpiryMs) + LIMITS.sweepMarginMs;

export async function sweep(env: Env, now: number): Promise<{ deleted: number }> {
  let deleted = 0;
  let cursor: string | undefined;
  do {
    const page = await env.STAGING.list({ prefix: "uploads/", limit: 1000, ...(cursor ? { cursor } : {}) });
    const old = page.objects.filter((o) => now - o.uploaded.getTime() > SWEEP_AGE_MS).map((o) => o.key);
    if (old.length) await env.STAGING.delete(old);
    deleted += old.length;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return { deleted };
}
