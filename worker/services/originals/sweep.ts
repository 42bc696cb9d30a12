// The daily sweep of kept originals (docs/reuse.md): an original whose retention ended is forgotten and its
// R2 object deleted, unless a live record still hands that object out (a staged record's signed URL reads
// it: WaveSpeed over 300 MB); such an original is looked at again on the next day's sweep.
import type { Env } from "../../core/config";
import { endedOriginals, forgetOriginal, objectOf } from "./store";

/** Originals looked at per run: one D1 page; what is left waits for the next day. */
const PAGE = 500;

/** Whether a live staged record hands out this upload's object (its URL must keep working). */
async function handedOut(db: D1Database, uploadId: string, now: number): Promise<boolean> {
  const row = await db
    .prepare(
      "SELECT 1 AS used FROM files WHERE upload_id = ? AND status = 'staged' AND expires_at > ? LIMIT 1",
    )
    .bind(uploadId, new Date(now).toISOString())
    .first();
  return row !== null;
}

export async function sweepOriginals(env: Env, now: number): Promise<{ deleted: number }> {
  let deleted = 0;
  for (const original of await endedOriginals(env.DB, now, PAGE)) {
    if (await handedOut(env.DB, original.upload_id, now)) continue;
    // Forgotten first: a copy that found the row a moment ago fails on a missing object (not_found),
    // never an object deleted under a row that still promises it.
    if (!(await forgetOriginal(env.DB, original))) continue;
    await env.STAGING.delete(objectOf(original));
    deleted++;
  }
  return { deleted };
}
