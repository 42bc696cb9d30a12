// The cron backstop for staged files: each upload's Durable Object deletes its own bytes on time (its
// alarm), and the R2 lifecycle rules (docs/configuration.md) abort multipart uploads nobody finished; this sweep
// catches anything older than any upload may live, should an alarm have been lost.
import type { Env } from "../../core/config";
import { LIMITS } from "../../core/limits";

/** Older than this, a staged object belongs to no live upload: expiry or retention, plus a margin. */
export const SWEEP_AGE_MS = Math.max(LIMITS.stagedRetentionMs, LIMITS.tusExpiryMs) + LIMITS.sweepMarginMs;

/**
 * `kept` names the uploads among these ids whose staged object is a kept original (docs/reuse.md): those
 * stay, for the originals' own sweep (services/originals/sweep.ts) to delete when their retention ends.
 */
export async function sweep(
  env: Env,
  now: number,
  kept: (uploadIds: string[]) => Promise<Set<string>> = async () => new Set(),
): Promise<{ deleted: number }> {
  let deleted = 0;
  let cursor: string | undefined;
  do {
    const page = await env.STAGING.list({ prefix: "uploads/", limit: 1000, ...(cursor ? { cursor } : {}) });
    const stale = page.objects.filter((o) => now - o.uploaded.getTime() > SWEEP_AGE_MS).map((o) => o.key);
    const keep = stale.length ? await kept(stale.map((key) => key.slice("uploads/".length))) : new Set();
    const old = stale.filter((key) => !keep.has(key.slice("uploads/".length)));
    if (old.length) await env.STAGING.delete(old);
    deleted += old.length;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return { deleted };
}
